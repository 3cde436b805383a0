import Foundation
import Logging

/// Subscribes to bitcoind's ZMQ notifications and delivers them as an async stream of
/// ``ZMQEvent`` values.
///
/// I/O model: each call to ``events()`` starts one dedicated `Thread` that blocks in
/// `zmq_poll` (never a thread of Swift's cooperative pool) and yields into a bounded
/// `AsyncThrowingStream`. Ending the stream (the consumer's task is cancelled or it stops
/// iterating) calls `zmq_ctx_shutdown`, which wakes the poll with ETERM; the thread then closes
/// its sockets and the context.
///
/// Reconnection is libzmq's: the SUB socket retries every endpoint with backoff
/// (``ZMQSubscriberConfiguration/reconnectIntervalMs``) and heartbeats drop half-open
/// connections; ``ZMQEvent/connected(endpoint:)`` and ``ZMQEvent/disconnected(endpoint:)``
/// report it. A feed that stays silent while connected is the Watchdog's concern.
///
/// Slow consumer: at most ``ZMQSubscriberConfiguration/bufferCapacity`` events wait; newer
/// ones are dropped and counted in a ``ZMQEvent/consumerLagged(dropped:)`` event delivered as
/// soon as there is room (see ``ZMQEventStream``). Behind that, libzmq itself drops new messages above the receive
/// high-water mark, which the per-topic counters reveal as ``ZMQEvent/gap(topic:expected:received:missed:)``.
public struct ZMQSubscriber: Sendable {
    public let configuration: ZMQSubscriberConfiguration
    private let logger: Logger

    /// - Parameters:
    ///   - configuration: endpoints, topics and limits.
    ///   - logger: where connection changes and dropped input are logged.
    public init(configuration: ZMQSubscriberConfiguration, logger: Logger = Logger(label: "altnet.zmq")) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Starts receiving.
    /// - Returns: the events; the stream finishes with ``ZMQSubscriberError`` if the socket
    ///   cannot be set up (a malformed endpoint, for instance) and normally when it is ended.
    public func events() -> ZMQEventStream {
        let (base, continuation) = AsyncThrowingStream.makeStream(of: ZMQEvent.self, throwing: (any Error).self)
        let slots = ZMQDeliverySlots(capacity: configuration.bufferCapacity)
        let stream = ZMQEventStream(base: base, slots: slots)
        let context: ZMQContext
        do {
            context = try ZMQContext()
        } catch {
            continuation.finish(throwing: error)
            return stream
        }
        continuation.onTermination = { _ in context.shutdown() }
        let configuration = configuration
        let logger = logger
        let thread = Thread {
            let loop = ZMQReceiveLoop(configuration: configuration, context: context,
                                      continuation: continuation, slots: slots, logger: logger)
            loop.run()
        }
        thread.name = "altnet-zmq-sub"
        thread.start()
        return stream
    }
}
