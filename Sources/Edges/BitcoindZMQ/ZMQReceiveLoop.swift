import CZeroMQ
import Foundation
import Logging

/// The body of the subscriber's dedicated thread: set up the SUB socket and its monitor, poll,
/// decode, track counters, yield. Lives and dies on that one thread.
final class ZMQReceiveLoop {
    typealias Continuation = AsyncThrowingStream<ZMQEvent, any Error>.Continuation

    private let configuration: ZMQSubscriberConfiguration
    private let context: ZMQContext
    private let continuation: Continuation
    private let slots: ZMQDeliverySlots
    private let logger: Logger
    private var tracker = ZMQSequenceTracker()
    /// Events the bounded stream dropped that have not been reported yet.
    private var pendingDropped = 0
    private var consumerGone = false

    /// The in-process address of the socket monitor (unique within this loop's own context).
    private static let monitorEndpoint = "inproc://altnet-zmq-monitor"

    init(configuration: ZMQSubscriberConfiguration, context: ZMQContext, continuation: Continuation,
         slots: ZMQDeliverySlots, logger: Logger) {
        self.configuration = configuration
        self.context = context
        self.continuation = continuation
        self.slots = slots
        self.logger = logger
    }

    func run() {
        var subscriber: UnsafeMutableRawPointer?
        var monitor: UnsafeMutableRawPointer?
        defer {
            if let monitor { zmq_close(monitor) }
            if let subscriber { zmq_close(subscriber) }
            context.terminate()
        }
        do {
            let sockets = try setUp()
            subscriber = sockets.subscriber
            monitor = sockets.monitor
            try pollLoop(subscriber: sockets.subscriber, monitor: sockets.monitor)
            continuation.finish()
        } catch let error as ZMQSubscriberError where error.code == ETERM {
            continuation.finish()
        } catch {
            logger.error("ZMQ subscriber stopped: \(error)")
            continuation.finish(throwing: error)
        }
    }

    // MARK: Setup

    private func setUp() throws -> (subscriber: UnsafeMutableRawPointer, monitor: UnsafeMutableRawPointer) {
        let ctx = context.pointer
        guard let sub = zmq_socket(ctx, ZMQ_SUB) else {
            throw ZMQSubscriberError(call: "zmq_socket(SUB)", code: zmq_errno())
        }
        var monitorSocket: UnsafeMutableRawPointer?
        do {
            try setOption(sub, ZMQ_LINGER, Int32(0), "ZMQ_LINGER")
            try setOption(sub, ZMQ_RCVHWM, configuration.receiveHighWaterMark, "ZMQ_RCVHWM")
            try setOption(sub, ZMQ_MAXMSGSIZE, configuration.maxMessageSize, "ZMQ_MAXMSGSIZE")
            try setOption(sub, ZMQ_RECONNECT_IVL, configuration.reconnectIntervalMs, "ZMQ_RECONNECT_IVL")
            try setOption(sub, ZMQ_RECONNECT_IVL_MAX, configuration.reconnectIntervalMaxMs, "ZMQ_RECONNECT_IVL_MAX")
            try setOption(sub, ZMQ_HEARTBEAT_IVL, configuration.heartbeatIntervalMs, "ZMQ_HEARTBEAT_IVL")
            try setOption(sub, ZMQ_HEARTBEAT_TIMEOUT, configuration.heartbeatTimeoutMs, "ZMQ_HEARTBEAT_TIMEOUT")
            try setOption(sub, ZMQ_TCP_KEEPALIVE, Int32(1), "ZMQ_TCP_KEEPALIVE")
            try setOption(sub, ZMQ_IPV6, Int32(1), "ZMQ_IPV6")
            for topic in configuration.topics.sorted(by: { $0.rawValue < $1.rawValue }) {
                let frame = topic.frame
                let rc = frame.withUnsafeBytes { zmq_setsockopt(sub, ZMQ_SUBSCRIBE, $0.baseAddress, $0.count) }
                guard rc == 0 else { throw ZMQSubscriberError(call: "ZMQ_SUBSCRIBE \(topic)", code: zmq_errno()) }
            }
            let events = Int32(ZMQ_EVENT_CONNECTED) | Int32(ZMQ_EVENT_DISCONNECTED)
            guard zmq_socket_monitor(sub, Self.monitorEndpoint, events) == 0 else {
                throw ZMQSubscriberError(call: "zmq_socket_monitor", code: zmq_errno())
            }
            guard let mon = zmq_socket(ctx, ZMQ_PAIR) else {
                throw ZMQSubscriberError(call: "zmq_socket(PAIR)", code: zmq_errno())
            }
            monitorSocket = mon
            try setOption(mon, ZMQ_LINGER, Int32(0), "ZMQ_LINGER")
            guard zmq_connect(mon, Self.monitorEndpoint) == 0 else {
                throw ZMQSubscriberError(call: "zmq_connect(monitor)", code: zmq_errno())
            }
            for endpoint in configuration.endpoints {
                guard zmq_connect(sub, endpoint) == 0 else {
                    throw ZMQSubscriberError(call: "zmq_connect(\(endpoint))", code: zmq_errno())
                }
            }
            logger.info("ZMQ subscribed to \(configuration.topics.map(\.rawValue).sorted()) at \(configuration.endpoints)")
            return (sub, mon)
        } catch {
            if let monitorSocket { zmq_close(monitorSocket) }
            zmq_close(sub)
            throw error
        }
    }

    private func setOption<T: FixedWidthInteger>(_ socket: UnsafeMutableRawPointer, _ option: Int32, _ value: T, _ name: String) throws {
        var v = value
        guard zmq_setsockopt(socket, option, &v, MemoryLayout<T>.size) == 0 else {
            throw ZMQSubscriberError(call: "zmq_setsockopt(\(name))", code: zmq_errno())
        }
    }

    // MARK: Receiving

    private func pollLoop(subscriber: UnsafeMutableRawPointer, monitor: UnsafeMutableRawPointer) throws {
        var items = [
            zmq_pollitem_t(socket: subscriber, fd: 0, events: Int16(ZMQ_POLLIN), revents: 0),
            zmq_pollitem_t(socket: monitor, fd: 0, events: Int16(ZMQ_POLLIN), revents: 0),
        ]
        while !consumerGone {
            // While drops are unreported, wake up now and then to report them when room frees.
            let rc = zmq_poll(&items, Int32(items.count), pendingDropped > 0 ? 100 : -1)
            if rc < 0 {
                let code = zmq_errno()
                if code == EINTR { continue }
                throw ZMQSubscriberError(call: "zmq_poll", code: code)
            }
            if items[1].revents & Int16(ZMQ_POLLIN) != 0 {
                try drain(monitor, handle: handleMonitor)
            }
            if items[0].revents & Int16(ZMQ_POLLIN) != 0 {
                try drain(subscriber, handle: handleMessage)
            }
            if pendingDropped > 0 { flushDropped() }
        }
    }

    /// Receives every complete multipart message waiting on the socket.
    private func drain(_ socket: UnsafeMutableRawPointer, handle: ([[UInt8]], Int) -> Void) throws {
        while !consumerGone {
            var frames: [[UInt8]] = []
            var frameCount = 0
            var more = true
            while more {
                // Multipart delivery is atomic: once the first frame is here, so is the rest.
                guard let frame = try receiveFrame(socket, wait: frameCount > 0,
                                                   keep: frameCount < configuration.maxFrames) else { return }
                frameCount += 1
                if let bytes = frame.bytes { frames.append(bytes) }
                more = frame.more
            }
            handle(frames, frameCount)
        }
    }

    /// Receives one frame.
    /// - Parameters:
    ///   - wait: block for it (later frames of a multipart message) or not (a first frame).
    ///   - keep: copy its bytes out, or discard them (frames past the limit).
    /// - Returns: nil when no message is waiting (or a signal interrupted a first receive).
    private func receiveFrame(_ socket: UnsafeMutableRawPointer, wait: Bool, keep: Bool) throws -> (bytes: [UInt8]?, more: Bool)? {
        var msg = zmq_msg_t()
        zmq_msg_init(&msg)
        defer { zmq_msg_close(&msg) }
        while zmq_msg_recv(&msg, socket, wait ? 0 : ZMQ_DONTWAIT) < 0 {
            let code = zmq_errno()
            if !wait && (code == EAGAIN || code == EINTR) { return nil }
            if code == EINTR { continue }
            throw ZMQSubscriberError(call: "zmq_msg_recv", code: code)
        }
        var bytes: [UInt8]?
        if keep {
            let size = zmq_msg_size(&msg)
            if size > 0, let data = zmq_msg_data(&msg) {
                bytes = Array(UnsafeRawBufferPointer(start: data, count: size))
            } else {
                bytes = []
            }
        }
        return (bytes, zmq_msg_more(&msg) != 0)
    }

    private func handleMessage(_ frames: [[UInt8]], frameCount: Int) {
        guard frameCount == frames.count else {
            // More frames than allowed: the extra ones were discarded unread.
            report(ZMQFrameError(.frameCount(frameCount)))
            return
        }
        let message: ZMQMessage
        do {
            message = try ZMQFrameDecoder.decode(frames)
        } catch {
            report(error)
            return
        }
        switch tracker.record(message.sequence, topic: message.topic) {
        case .first, .inOrder:
            break
        case .duplicate:
            logger.debug("ZMQ dropped duplicate \(message.topic) #\(message.sequence)")
            return
        case .gap(let expected, let received, let missed):
            logger.warning("ZMQ \(message.topic): \(missed) message(s) lost (expected #\(expected), got #\(received))")
            emit(.gap(topic: message.topic, expected: expected, received: received, missed: missed))
        case .restarted(let previous, let received):
            logger.notice("ZMQ \(message.topic): counter went from #\(previous) to #\(received): publisher restarted")
            emit(.publisherRestarted(topic: message.topic, previous: previous, received: received))
        }
        emit(.message(message))
    }

    private func report(_ error: ZMQFrameError) {
        logger.warning("ZMQ dropped a malformed message: \(error)")
        emit(.malformed(error))
    }

    /// Monitor messages: frame 0 is a 16-bit event id and a 32-bit value (native byte order),
    /// frame 1 the endpoint (libzmq 4.x `zmq_socket_monitor`).
    private func handleMonitor(_ frames: [[UInt8]], frameCount: Int) {
        guard frames.count == 2, frames[0].count >= 2 else { return }
        let event = frames[0].withUnsafeBytes { $0.loadUnaligned(as: UInt16.self) }
        let endpoint = String(decoding: frames[1], as: UTF8.self)
        switch Int32(event) {
        case Int32(ZMQ_EVENT_CONNECTED):
            logger.info("ZMQ connected to \(endpoint)")
            emit(.connected(endpoint: endpoint))
        case Int32(ZMQ_EVENT_DISCONNECTED):
            logger.warning("ZMQ disconnected from \(endpoint); libzmq reconnects")
            emit(.disconnected(endpoint: endpoint))
        default:
            break
        }
    }

    // MARK: Bounded delivery

    /// Hands an event to the consumer if a slot is free, else drops it and counts it.
    private func emit(_ event: ZMQEvent) {
        if pendingDropped > 0 { flushDropped() }
        guard pendingDropped == 0, slots.reserve() else {
            pendingDropped += 1
            return
        }
        yield(event)
    }

    /// Reports the dropped count, if a slot is free.
    private func flushDropped() {
        guard slots.reserve() else { return }
        let dropped = pendingDropped
        pendingDropped = 0
        logger.warning("ZMQ consumer too slow: \(dropped) event(s) dropped")
        yield(.consumerLagged(dropped: dropped))
    }

    private func yield(_ event: ZMQEvent) {
        if case .terminated = continuation.yield(event) { consumerGone = true }
    }
}
