import BitcoinPrimitives
import Logging
import NIOCore

/// One P2P connection, inbound or outbound (``P2PConnector``): bytes through the sans-I/O ``P2PWire`` (BIP324 v2 responder with
/// v1 detection, or v1 only), each event handed to the node in arrival order and its reply
/// written back. Pushes from the node (block and transaction announcements, delayed getdata)
/// come through the `send` closure registered with the node and go through the same wire.
final class P2PServerHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let node: SimnodeNode
    private let logger: Logger
    private var wire: P2PWire?
    private let v2transport: Bool
    private let outbound: Bool
    /// Outbound v2 only: called when the peer closes before the v2 handshake completes.
    private let onV2Refused: (@Sendable () -> Void)?
    private var transportReady = false
    private var context: ChannelHandlerContext?
    /// Set once the node registered the connection (before any message is handed over).
    private var peerID: Int?
    /// The event chain: each event is handled after the previous one.
    private var tail: EventLoopFuture<Void>?

    init(
        node: SimnodeNode, v2transport: Bool, outbound: Bool = false, onV2Refused: (@Sendable () -> Void)? = nil,
        logger: Logger
    ) {
        self.node = node
        self.v2transport = v2transport
        self.outbound = outbound
        self.onV2Refused = onV2Refused
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    func channelActive(context: ChannelHandlerContext) {
        do {
            wire = try P2PWire(v2transport: v2transport, outbound: outbound)
        } catch {
            logger.error("P2P connection refused: \(error)")
            context.close(promise: nil)
            return
        }
        let node = self.node
        let addr = Self.describe(context.channel.remoteAddress)
        let bind = Self.describe(context.channel.localAddress)
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let loop = context.eventLoop
        let send: @Sendable ([P2PFrame]) -> Void = { frames in
            loop.execute { bound.value.write(frames) }
        }
        let disconnect: @Sendable () -> Void = {
            loop.execute { bound.value.context?.close(promise: nil) }
        }
        let inbound = !outbound
        tail = loop.makeFutureWithTask {
            await node.p2pConnected(addr: addr, addrBind: bind, inbound: inbound, send: send, disconnect: disconnect)
        }.assumeIsolated().map { [self] id in
            peerID = id
        }.nonisolated()
        flushWire()  // an initiator's key and garbage
        if outbound && !v2transport { handle(.transportKnown(type: "v1", sessionID: nil)) }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        let node = self.node
        let previous = tail ?? context.eventLoop.makeSucceededVoidFuture()
        if outbound, v2transport, !transportReady { onV2Refused?() }
        previous.assumeIsolated().whenComplete { [self] _ in
            guard let id = peerID else { return }
            peerID = nil
            Task { await node.p2pDisconnected(id) }
        }
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = Array(unwrapInboundIn(data).readableBytesView)
        guard wire != nil else { return }
        let events: [P2PWireEvent]
        do {
            events = try wire?.receive(bytes) ?? []
        } catch {
            logger.info("P2P peer \(peerID.map(String.init) ?? "?") disconnected: \(error)")
            flushWire()
            context.close(promise: nil)
            return
        }
        flushWire()  // the v2 responder's key and garbage, as soon as the prefix is known
        for event in events {
            handle(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("P2P connection error: \(error)")
        context.close(promise: nil)
    }

    private func handle(_ event: P2PWireEvent) {
        let node = self.node
        switch event {
        case .dropped(let reason):
            logger.debug("P2P message dropped: \(reason)")
        case .transportKnown(let type, let sessionID):
            transportReady = true
            enqueue { id in await node.p2pTransport(id, type: type, sessionID: sessionID) }
        case .frame(let frame):
            enqueue { id in await node.p2pReceive(id, frame) }
        }
    }

    /// Runs `step` on the node after every earlier event (once the connection is registered),
    /// then sends its reply and disconnects if it says so.
    private func enqueue(_ step: @escaping @Sendable (Int) async -> P2PReply) {
        guard let context else { return }
        let loop = context.eventLoop
        let previous = tail ?? loop.makeSucceededVoidFuture()
        tail = previous.assumeIsolated().flatMap { [self] () -> EventLoopFuture<P2PReply> in
            guard let id = peerID else { return loop.makeSucceededFuture(P2PReply()) }
            return loop.makeFutureWithTask { await step(id) }
        }.map { [self] reply in
            write(reply.frames)
            if let reason = reply.disconnect {
                logger.info("P2P peer \(peerID.map(String.init) ?? "?") disconnected: \(reason)")
                self.context?.close(promise: nil)
            }
        }.nonisolated()
    }

    /// Encodes frames through the wire and writes them.
    private func write(_ frames: [P2PFrame]) {
        guard !frames.isEmpty else { return }
        for frame in frames {
            do {
                try wire?.send(frame)
            } catch {
                logger.info("P2P send failed: \(error)")
                context?.close(promise: nil)
                return
            }
        }
        flushWire()
    }

    private func flushWire() {
        guard let context, let bytes = wire?.takeBytesToSend(), !bytes.isEmpty else { return }
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: bytes)), promise: nil)
    }

    private static func describe(_ address: SocketAddress?) -> String {
        guard let address, let ip = address.ipAddress, let port = address.port else { return "unknown" }
        if case .v6 = address { return "[\(ip)]:\(port)" }
        return "\(ip):\(port)"
    }
}
