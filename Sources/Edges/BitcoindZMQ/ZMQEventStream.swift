import Foundation

/// The events of one ``ZMQSubscriber``, bounded: at most `capacity` events wait for the
/// consumer. When the consumer is slower than the feed, the receiving thread drops the newest
/// events (as libzmq does above its high-water mark) and, as soon as there is room again,
/// delivers one ``ZMQEvent/consumerLagged(dropped:)`` saying how many, in the place where they
/// were lost. Ending iteration (or cancelling the consuming task) stops the thread.
public struct ZMQEventStream: AsyncSequence, Sendable {
    public typealias Element = ZMQEvent

    let base: AsyncThrowingStream<ZMQEvent, any Error>
    let slots: ZMQDeliverySlots

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: AsyncThrowingStream<ZMQEvent, any Error>.AsyncIterator
        let slots: ZMQDeliverySlots

        /// - Returns: the next event, or nil once the subscriber stopped.
        /// - Throws: ``ZMQSubscriberError`` if the socket failed.
        public mutating func next() async throws -> ZMQEvent? {
            let event = try await base.next()
            if event != nil { slots.release() }
            return event
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: base.makeAsyncIterator(), slots: slots)
    }
}

/// Counts events handed to the stream and not yet taken by the consumer.
///
/// `@unchecked Sendable`: the one mutable field is only touched under the lock.
final class ZMQDeliverySlots: @unchecked Sendable {
    let capacity: Int
    private let lock = NSLock()
    private var queued = 0

    init(capacity: Int) { self.capacity = max(1, capacity) }

    /// Takes a slot if one is free.
    func reserve() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard queued < capacity else { return false }
        queued += 1
        return true
    }

    /// The consumer took an event.
    func release() {
        lock.lock()
        defer { lock.unlock() }
        queued = max(0, queued - 1)
    }
}
