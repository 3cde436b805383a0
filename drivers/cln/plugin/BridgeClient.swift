import BitcoinPrimitives
import CLNDriverCore
import Foundation
import JSON
import NIOCore
import NIOPosix

/// The plugin's side of the bridge to altnetd's `[cln]` driver: a bounded ``ForwardQueue`` of
/// lines (the `custommsg` hook never waits: past the cap, messages are dropped and counted) and
/// a connection to the driver's Unix socket, redialled with backoff (250 ms doubling to 10 s)
/// while altnetd is down or restarting.
final class BridgeClient: @unchecked Sendable {
    // @unchecked: `queue`, `connected` and `sent` are guarded by `lock`; the rest is immutable.
    private let lock = NSLock()
    private var queue: ForwardQueue
    private var connected = false
    private var sent = 0
    private let wake: AsyncStream<Void>.Continuation
    private let wakes: AsyncStream<Void>
    let path: String

    /// Redial backoff.
    static let backoff = Backoff(base: .milliseconds(250), cap: .seconds(10), jitter: 0.2)

    /// - Parameters:
    ///   - path: the driver's socket.
    ///   - queueBytes: bytes held at most.
    init(path: String, queueBytes: Int) {
        self.path = path
        queue = ForwardQueue(capacity: queueBytes)
        (wakes, wake) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// Queues a message for the driver.
    /// - Returns: false when the queue was full (dropped).
    @discardableResult
    func enqueue(_ message: CustomMessage) -> Bool {
        let taken = lock.withLock { queue.push(message.bridgeLine) }
        if taken { wake.yield() }
        return taken
    }

    /// The counters for `altnet-status` and the log.
    var status: JSONValue {
        lock.withLock {
            .object([("socket", .string(path)), ("connected", .bool(connected)), ("forwarded", .int(sent)),
                     ("dropped", .int(queue.dropped)), ("queued", .int(queue.count)), ("queued_bytes", .int(queue.bytes))])
        }
    }

    /// Connects, writes what is queued, and reconnects until cancelled.
    /// - Parameter log: writes one line to the plugin's log (stderr, which lightningd logs).
    func run(log: @escaping @Sendable (String) -> Void) async {
        var backoff = Self.backoff
        var failing = false
        while !Task.isCancelled {
            do {
                let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                    .connectTimeout(.seconds(5))
                    .connect(unixDomainSocketPath: path) { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                        }
                    }
                log("connected to altnetd's cln driver at \(path)")
                backoff = Self.backoff
                failing = false
                lock.withLock { connected = true }
                try await channel.executeThenClose { _, outbound in
                    var iterator = wakes.makeAsyncIterator()
                    while !Task.isCancelled {
                        while let line = lock.withLock({ queue.pop() }) {
                            try await outbound.write(ByteBuffer(bytes: line))
                            lock.withLock { sent += 1 }
                        }
                        guard await iterator.next() != nil else { return }
                    }
                }
            } catch {
                if !failing { log("altnetd's cln driver is not reachable at \(path): \(error); retrying with backoff") }
                failing = true
            }
            lock.withLock { connected = false }
            guard !Task.isCancelled else { return }
            try? await Task.sleep(for: backoff.next())
        }
    }
}
