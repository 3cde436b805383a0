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
    // @unchecked: `queue`, `connected`, `sent` and `wake` are guarded by `lock`; `path` is immutable.
    private let lock = NSLock()
    private var queue: ForwardQueue
    private var connected = false
    private var sent = 0
    /// Wakes the current connection's writer. A stream per connection: an AsyncStream ends for
    /// good when its consumer is cancelled (docs/engineering-notes.md), as each writer is when
    /// its connection closes.
    private var wake: AsyncStream<Void>.Continuation?
    let path: String

    /// Redial backoff.
    static let backoff = Backoff(base: .milliseconds(250), cap: .seconds(10), jitter: 0.2)

    /// - Parameters:
    ///   - path: the driver's socket.
    ///   - queueBytes: bytes held at most.
    init(path: String, queueBytes: Int) {
        self.path = path
        queue = ForwardQueue(capacity: queueBytes)
    }

    /// Queues a message for the driver.
    /// - Returns: false when the queue was full (dropped).
    @discardableResult
    func enqueue(_ message: CustomMessage) -> Bool {
        let (taken, wake) = lock.withLock { (queue.push(message.bridgeLine), self.wake) }
        if taken { wake?.yield() }
        return taken
    }

    /// Tells the driver lightningd's peers changed (dropped like a message when the queue is full).
    func peersChanged() {
        let (taken, wake) = lock.withLock { (queue.push(CustomMessage.peersChangedLine), self.wake) }
        if taken { wake?.yield() }
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
                let (wakes, wake) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
                lock.withLock {
                    connected = true
                    self.wake = wake
                }
                try await channel.executeThenClose { inbound, outbound in
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        // The driver never writes: its side ending (altnetd stopped, the driver
                        // restarted) ends the inbound stream, and this connection with it, at
                        // once rather than at the next message's failed write.
                        group.addTask { for try await _ in inbound {} }
                        group.addTask { [self] in
                            var iterator = wakes.makeAsyncIterator()
                            while !Task.isCancelled {
                                while let line = lock.withLock({ queue.pop() }) {
                                    try await outbound.write(ByteBuffer(bytes: line))
                                    lock.withLock { sent += 1 }
                                }
                                guard await iterator.next() != nil else { return }
                            }
                        }
                        try await group.next()
                        group.cancelAll()
                    }
                }
                log("altnetd's cln driver closed the connection; reconnecting")
            } catch {
                if !failing { log("altnetd's cln driver is not reachable at \(path): \(error); retrying with backoff") }
                failing = true
            }
            lock.withLock {
                connected = false
                wake = nil
            }
            guard !Task.isCancelled else { return }
            try? await Task.sleep(for: backoff.next())
        }
    }
}
