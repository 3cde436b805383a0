import DriverProtocol
import Foundation
import LightningAltnetMessages

/// One connected Lightning peer as the rest of the driver sees it: a queue of plaintext Lightning
/// messages (type and payload) for the connection's writer task, the per-connection fragment
/// numbering, and the requests waiting for a reply from this peer.
final class PeerLink: @unchecked Sendable {
    // @unchecked: mutable state (encoder, waiters, closed) is guarded by `lock`; the rest is immutable.
    let info: PeerInfo
    private let outgoing: AsyncStream<[UInt8]>.Continuation
    private let lock = NSLock()
    private var encoder = AltnetEncoder()
    private var waiters: [Waiter] = []
    private var nextWaiterID = 0
    private var closed = false

    private struct Waiter {
        let id: Int
        let commands: Set<String>
        let continuation: CheckedContinuation<AltnetMessage?, Never>
    }

    /// - Parameters:
    ///   - info: the peer as listed to the core.
    ///   - outgoing: the connection writer's queue.
    init(info: PeerInfo, outgoing: AsyncStream<[UInt8]>.Continuation) {
        self.info = info
        self.outgoing = outgoing
    }

    /// Queues a raw Lightning message (type and payload).
    func sendRaw(_ message: [UInt8]) {
        outgoing.yield(message)
    }

    /// Encodes and queues a P2P message (fragmented when larger than one Lightning message).
    func send(_ message: AltnetMessage) {
        lock.withLock {
            // Encode and enqueue under the lock so fragment ids follow queue order.
            for piece in encoder.encode(message) {
                outgoing.yield(Self.wire(piece))
            }
        }
    }

    /// Sends `message` and waits for the first message from this peer whose command is in `expect`.
    /// - Returns: the reply, or nil on timeout or disconnection.
    func request(_ message: AltnetMessage, expect: Set<String>, timeout: Duration) async -> AltnetMessage? {
        let id: Int = lock.withLock { nextWaiterID += 1; return nextWaiterID }
        let timer = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            self?.resolve(id: id, with: nil)
        }
        defer { timer.cancel() }
        return await withCheckedContinuation { continuation in
            let registered: Bool = lock.withLock {
                guard !closed else { return false }
                waiters.append(Waiter(id: id, commands: expect, continuation: continuation))
                return true
            }
            guard registered else { return continuation.resume(returning: nil) }
            send(message)
        }
    }

    /// Hands a complete message to the first waiter expecting it.
    /// - Returns: true when a waiter took it.
    func deliver(_ message: AltnetMessage) -> Bool {
        let waiter: Waiter? = lock.withLock {
            guard let index = waiters.firstIndex(where: { $0.commands.contains(message.command) }) else { return nil }
            return waiters.remove(at: index)
        }
        waiter?.continuation.resume(returning: message)
        return waiter != nil
    }

    /// Ends the link: the writer stops and every waiter gets nil.
    func close() {
        let pending: [Waiter] = lock.withLock {
            closed = true
            defer { waiters.removeAll() }
            return waiters
        }
        outgoing.finish()
        for waiter in pending { waiter.continuation.resume(returning: nil) }
    }

    private func resolve(id: Int, with message: AltnetMessage?) {
        let waiter: Waiter? = lock.withLock {
            guard let index = waiters.firstIndex(where: { $0.id == id }) else { return nil }
            return waiters.remove(at: index)
        }
        waiter?.continuation.resume(returning: message)
    }

    /// A Lightning message as the transport carries it: 2-byte type, then payload.
    static func wire(_ message: LightningAltnetMessages.LightningMessage) -> [UInt8] {
        var bytes = [UInt8(truncatingIfNeeded: message.type >> 8), UInt8(truncatingIfNeeded: message.type)]
        bytes.append(contentsOf: message.payload)
        return bytes
    }
}

/// The connected peers, by node id (hex).
final class PeerTable: @unchecked Sendable {
    // @unchecked: `links` is guarded by `lock`.
    private let lock = NSLock()
    private var links: [String: PeerLink] = [:]

    /// Adds a link unless the node is already connected.
    /// - Returns: false when a link to the same node exists.
    func add(_ link: PeerLink) -> Bool {
        lock.withLock {
            guard links[link.info.id] == nil else { return false }
            links[link.info.id] = link
            return true
        }
    }

    /// Removes `link` (only that object: a newer link to the same node stays).
    func remove(_ link: PeerLink) {
        lock.withLock {
            if links[link.info.id] === link { links[link.info.id] = nil }
        }
    }

    /// The link to `id`, or any link when `id` is nil.
    func link(_ id: String?) -> PeerLink? {
        lock.withLock {
            if let id { return links[id] }
            return links.keys.sorted().first.flatMap { links[$0] }
        }
    }

    /// Every link, ordered by node id.
    var all: [PeerLink] {
        lock.withLock { links.keys.sorted().compactMap { links[$0] } }
    }

    /// Closes every link.
    func closeAll() {
        for link in all { link.close() }
    }
}
