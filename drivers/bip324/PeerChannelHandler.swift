import BIP324DriverCore
import BitcoinPrimitives
import DriverKit
import DriverProtocol
import Logging
import NIOCore

/// Timing of one peer connection.
struct PeerTimeouts: Sendable {
    /// From TCP connect to verack both ways.
    var handshake: TimeAmount = .seconds(30)
    /// Between our pings.
    var pingInterval: TimeAmount = .seconds(120)
    /// How long a ping may stay unanswered (Bitcoin Core: TIMEOUT_INTERVAL, 20 minutes).
    var pingTimeout: TimeAmount = .minutes(20)
}

/// What one peer may cost (issue 15).
struct PeerLimits: Sendable {
    /// Bytes handed to NIO for one peer and not yet written out; past it the peer is dropped
    /// (it is not reading). Default 8 MiB: two maximum-size blocks.
    var outboundQueueBytes = 8 << 20
    /// Inbound connections open at once (handshakes included); more are closed at accept.
    var maxInbound = 32

    /// Bounds of `outboundqueuebytes`: at least one maximum-size message (4 MB plus framing).
    static let outboundQueueRange = 4_100_000...1_073_741_824
}

/// The thin NIO adapter around a ``PeerSession``: bytes from the socket go in, bytes out go to
/// the socket, events go to the ``PeerRegistry``. A ``PeerViolation`` closes the connection and
/// is logged and reported with its reason.
///
/// Writes respect the peer: every byte handed to NIO is counted until NIO reports it written
/// (``OutboundBudget``, the Lightning driver's rule); while the channel is not writable we stop
/// reading from the peer (it cannot make us produce answers it does not take), and a peer whose
/// unwritten bytes would pass ``PeerLimits/outboundQueueBytes`` is dropped with that reason.
final class PeerChannelHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let id: String
    private let address: String
    private let direction: PeerInfo.Direction
    private var session: PeerSession
    private let registry: PeerRegistry
    private let logger: Logger
    private let timeouts: PeerTimeouts
    private let report: ConnectionReport?
    private var context: ChannelHandlerContext?
    private var closeReason: String?
    private var handshakeTimer: Scheduled<Void>?
    private var pingTask: RepeatedTask?
    private var pingSentAt: NIODeadline?
    private var budget: OutboundBudget
    /// Called once the peer's handshake is done (an inbound slot is then proven).
    private let onReady: @Sendable () -> Void
    /// Discovery's hooks (addresses, getaddr, bans); nil for `connect=` peers without discovery.
    private let gossip: PeerGossip?

    init(
        id: String, address: String, direction: PeerInfo.Direction, session: PeerSession, registry: PeerRegistry,
        logger: Logger, timeouts: PeerTimeouts, limits: PeerLimits = PeerLimits(), report: ConnectionReport? = nil,
        onReady: @escaping @Sendable () -> Void = {}, gossip: PeerGossip? = nil
    ) {
        self.gossip = gossip
        self.budget = OutboundBudget(limit: limits.outboundQueueBytes)
        self.report = report
        self.onReady = onReady
        self.id = id
        self.address = address
        self.direction = direction
        self.session = session
        self.registry = registry
        self.logger = logger
        self.timeouts = timeouts
    }

    func channelActive(context: ChannelHandlerContext) {
        self.context = context
        report?.markConnected()
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let loop = context.eventLoop
        var info = PeerInfo(id: id, address: address, direction: direction)
        info.network = gossip?.network
        info.group = gossip?.group
        info.source = gossip?.source.description
        registry.added(info, send: { command, payload in
            loop.execute { bound.value.queue(command, payload) }
        }, close: { reason in
            loop.execute { bound.value.drop("core: \(reason)") }
        })
        handshakeTimer = loop.scheduleTask(in: timeouts.handshake) {
            bound.value.drop("handshake not finished within \(bound.value.timeouts.handshake.nanoseconds / 1_000_000) ms")
        }
        flush()
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        guard closeReason == nil, let bytes = buffer.readBytes(length: buffer.readableBytes) else { return }
        if !bytes.isEmpty { report?.markReceived() }
        do throws(PeerViolation) {
            for event in try session.receive(bytes) { handle(event, context: context) }
            flush()
        } catch {
            // A v1-only peer is not misbehaving, just old; anything else it sent broke the protocol.
            if !error.description.contains("speaks v1 only") { gossip?.misbehaved(error.description) }
            drop(error.description)
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        // Read from the peer only while it takes what we write.
        _ = context.channel.setOption(.autoRead, value: context.channel.isWritable)
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        handshakeTimer?.cancel()
        pingTask?.cancel()
        let reason = closeReason ?? "connection closed by the peer"
        registry.removed(id, reason: reason)
        gossip?.closed()
        self.context = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        drop("socket error: \(error)")
    }

    private func handle(_ event: PeerSessionEvent, context: ChannelHandlerContext) {
        switch event {
        case .encrypted(let sessionID):
            logger.debug("peer \(id) (\(address)): v2 handshake done, session \(sessionID.prefix(8).map { String($0, radix: 16) }.joined())")
        case .ready(let userAgent, let startHeight):
            handshakeTimer?.cancel()
            onReady()
            let wire = session.isV1 ? "PLAINTEXT v1 (v1fallback)" : "encrypted (BIP324 v2)"
            logger.info("peer \(id) (\(address), \(direction.rawValue)) ready: \(LogText.escaped(userAgent, limit: 120)), height \(startHeight), \(wire)")
            startKeepalive(context.eventLoop)
            registry.ready(id, wtxidRelay: session.wtxidRelay, transport: session.isV1 ? .v1 : .v2, startHeight: startHeight)
            let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
            let loop = context.eventLoop
            let send: @Sendable (String, [UInt8]) -> Void = { command, payload in loop.execute { bound.value.queue(command, payload) } }
            for (command, payload) in gossip?.ready(session.isV1 ? .v1 : .v2, session.sendAddrV2, send) ?? [] { queue(command, payload) }
        case .message(let command, let payload) where ["addr", "addrv2", "getaddr"].contains(command):
            gossipMessage(command, payload)
        case .message(let command, let payload):
            registry.received(id, command: command, payload: payload)
        }
    }

    /// addr/addrv2 feed the address manager; getaddr is answered (inbound peers, once).
    private func gossipMessage(_ command: String, _ payload: [UInt8]) {
        guard let gossip else { return }
        switch command {
        case "getaddr":
            let answer = gossip.getaddr()
            guard !answer.isEmpty else { return }
            let message: P2PMessage = session.sendAddrV2 ? .addrv2(answer) : .addr(answer)
            queue(message.command.name, message.encodePayload())
        default:
            // PeerSession.check has decoded it already (at most 1,000 entries). An empty one still
            // counts: it can be the answer to our getaddr.
            let entries = try? (command == "addr" ? AddressEntry.decodeV1List(payload[...]) : AddressEntry.decodeV2List(payload[...]))
            if let entries { gossip.addresses(entries) }
        }
    }

    private func startKeepalive(_ loop: any EventLoop) {
        let bound = NIOLoopBound(self, eventLoop: loop)
        pingTask = loop.scheduleRepeatedTask(initialDelay: timeouts.pingInterval, delay: timeouts.pingInterval) { _ in
            bound.value.keepalive()
        }
    }

    private func keepalive() {
        if session.outstandingPing != nil, let sent = pingSentAt {
            if NIODeadline.now() - sent > timeouts.pingTimeout {
                drop("ping not answered within \(timeouts.pingTimeout.nanoseconds / 1_000_000) ms")
            }
            return
        }
        do throws(PeerViolation) {
            try session.ping(nonce: UInt64.random(in: 1...UInt64.max))
            pingSentAt = .now()
            flush()
        } catch {
            drop(error.description)
        }
    }

    /// Queues a message from the core (on the loop).
    func queue(_ command: String, _ payload: [UInt8]) {
        guard closeReason == nil else { return }
        do throws(PeerViolation) {
            try session.send(command, payload)
            flush()
        } catch {
            drop(error.description)
        }
    }

    private func flush() {
        guard let context else { return }
        let bytes = session.takeBytesToSend()
        guard !bytes.isEmpty else { return }
        guard budget.take(bytes.count) else {
            drop("peer not reading: \(budget.queued) bytes queued for it, \(bytes.count) more would pass the cap of \(budget.limit) bytes (outboundqueuebytes)")
            return
        }
        let count = bytes.count
        let written = context.eventLoop.makePromise(of: Void.self)
        written.futureResult.assumeIsolated().whenComplete { _ in self.budget.release(count) }
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: bytes)), promise: written)
        if !context.channel.isWritable { _ = context.channel.setOption(.autoRead, value: false) }
    }

    /// Closes the connection with a reason that goes to the log and to the core.
    func drop(_ reason: String) {
        guard closeReason == nil else { return }
        closeReason = reason
        // Reasons can quote the peer (a command name it chose): one escaped line.
        logger.warning("peer \(id) (\(address)) disconnected: \(LogText.escaped(reason, limit: 300))")
        context?.close(promise: nil)
    }
}
