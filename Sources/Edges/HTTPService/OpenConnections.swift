import Foundation
import NIOCore

/// The connections an ``HTTPServer`` has open, so a graceful shutdown can reach each one.
final class OpenConnections: @unchecked Sendable {
    // @unchecked: `channels` is only touched under `lock`.
    private let lock = NSLock()
    private var channels: [ObjectIdentifier: any Channel] = [:]

    func insert(_ channel: any Channel) {
        lock.withLock { channels[ObjectIdentifier(channel)] = channel }
    }

    func remove(_ channel: any Channel) {
        _ = lock.withLock { channels.removeValue(forKey: ObjectIdentifier(channel)) }
    }

    var all: [any Channel] { lock.withLock { Array(channels.values) } }
    var count: Int { lock.withLock { channels.count } }
}
