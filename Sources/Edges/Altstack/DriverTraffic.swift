import DriverProtocol
import Metrics

/// Bounds on what one driver may have queued in the core.
///
/// ```
///  driver stdout ──pipe──► stdout queue (stdoutBytes; full: stop reading, the pipe pushes back)
///      ──► session (replies resolve calls; unsolicited block/notfound dropped, counted)
///      ──► message queue in Altstack.events (messages, messageBytes; full: dropped, counted)
/// ```
/// The message queue drops rather than waits: replies to the core's calls share the pipe, and a
/// consumer answering a peer through the same driver waits for such a reply.
public struct DriverQueueLimits: Sendable, Hashable {
    /// Stdout bytes read ahead of the session (one line is always admitted, however long).
    public var stdoutBytes: Int
    /// Messages (`messagereceived`) waiting in ``Altstack/events`` for this driver.
    public var messages: Int
    /// Their payload bytes (hex characters).
    public var messageBytes: Int

    /// Defaults: one maximal line read ahead (16 MiB), 256 messages or 32 MiB of payload.
    public init(stdoutBytes: Int = DriverProtocolLimits.maxLineBytes, messages: Int = 256, messageBytes: Int = 32 << 20) {
        self.stdoutBytes = stdoutBytes
        self.messages = messages
        self.messageBytes = messageBytes
    }
}

/// One driver's queue figures, as ``DriverSnapshot/traffic`` shows them.
public struct DriverTrafficSnapshot: Sendable, Hashable, Codable {
    /// Stdout lines (and bytes) read but not yet handled by the session.
    public var stdoutLines = 0
    public var stdoutBytes = 0
    /// Messages (and payload bytes) in ``Altstack/events`` not yet taken by the consumer.
    public var queuedMessages = 0
    public var queuedMessageBytes = 0
    /// Messages handed to the consumer.
    public var delivered = 0
    /// `block` and `notfound` no request asked for (replies come back as call results).
    public var droppedUnsolicited = 0
    /// Messages dropped because the message queue was full.
    public var droppedQueueFull = 0

    public init() {}
}

/// The counters behind ``DriverTrafficSnapshot``; drops also go to the
/// `altnet_driver_messages_dropped_total{driver,reason}` counter.
final class DriverTraffic: Sendable {
    /// Commands that only ever answer a request: the answer is the call's result, so one that
    /// arrives as a notification was asked for by nobody. (`headers` is not among them: a peer
    /// announces a new block with an unasked one-header `headers` (BIP 130), which the core may
    /// use; it goes through the bounded message queue like any message.)
    static let replyOnlyCommands: Set<String> = ["block", "notfound"]

    let driver: String
    let limits: DriverQueueLimits
    private let counts = LockedValue(DriverTrafficSnapshot())

    init(driver: String, limits: DriverQueueLimits) {
        self.driver = driver
        self.limits = limits
    }

    var snapshot: DriverTrafficSnapshot { counts.value }

    /// Decides whether a received message goes into the events stream, and counts it.
    /// - Returns: true when it is queued; false when it is dropped (counted).
    func admit(_ message: DriverP2PMessage, from capabilities: TransportCapabilities?) -> Bool {
        // A broadcast feed's pushed blocks are its answers (docs/driver-protocol.md, "Capability
        // combinations"): they go through the bounded queue like any message.
        if Self.replyOnlyCommands.contains(message.command), capabilities?.isFeed != true {
            counts.update { $0.droppedUnsolicited += 1 }
            dropped("unsolicited")
            return false
        }
        let bytes = message.payloadHexCount
        let admitted = counts.update { c -> Bool in
            guard c.queuedMessages < limits.messages, c.queuedMessages == 0 || c.queuedMessageBytes + bytes <= limits.messageBytes else {
                c.droppedQueueFull += 1
                return false
            }
            c.queuedMessages += 1
            c.queuedMessageBytes += bytes
            return true
        }
        if !admitted { dropped("queue-full") }
        return admitted
    }

    /// The consumer took a queued message.
    func consumed(_ message: DriverP2PMessage) {
        let bytes = message.payloadHexCount
        counts.update { c in
            c.queuedMessages = max(0, c.queuedMessages - 1)
            c.queuedMessageBytes = max(0, c.queuedMessageBytes - bytes)
            c.delivered += 1
        }
    }

    /// Records the stdout queue's current depth.
    func stdout(lines: Int, bytes: Int) {
        counts.update {
            $0.stdoutLines = lines
            $0.stdoutBytes = bytes
        }
    }

    private func dropped(_ reason: String) {
        Counter(label: "altnet_driver_messages_dropped_total", dimensions: [("driver", driver), ("reason", reason)]).increment()
    }
}

/// ``Altstack/events``: driver events in order; taking a `messageReceived` frees its place in
/// that driver's message queue. One consumer.
public struct DriverEvents: AsyncSequence, Sendable {
    public typealias Element = DriverEvent
    public typealias Failure = Never

    let stream: AsyncStream<DriverEvent>
    let traffic: [String: DriverTraffic]

    public struct AsyncIterator: AsyncIteratorProtocol {
        public typealias Failure = Never
        var base: AsyncStream<DriverEvent>.AsyncIterator
        let traffic: [String: DriverTraffic]

        public mutating func next() async -> DriverEvent? {
            let event = await base.next()
            if case .messageReceived(let driver, _, let message) = event { traffic[driver]?.consumed(message) }
            return event
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: stream.makeAsyncIterator(), traffic: traffic)
    }
}
