import BitcoinPrimitives
import Logging
import NIOCore

/// One inbound v1 P2P connection: bytes through the sans-I/O ``V1FrameDecoder``, each message
/// answered by the node in arrival order. A fatal framing error (wrong magic, oversized
/// payload) or an undecodable known message closes the connection, as Core disconnects.
final class P2PServerHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let node: SimnodeNode
    private let logger: Logger
    private var decoder = V1FrameDecoder(magic: .regtest)
    /// The answer chain: each message is answered after the previous one.
    private var tail: EventLoopFuture<Void>?

    init(node: SimnodeNode, logger: Logger) {
        self.node = node
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        decoder.feed(buffer.readableBytesView)
        while true {
            let frame: P2PFrame
            do {
                guard let f = try decoder.nextFrame() else { return }
                frame = f
            } catch {
                logger.debug("P2P framing error: \(error)")
                if error.isFatal {
                    context.close(promise: nil)
                    return
                }
                continue
            }
            let message: P2PMessage
            do {
                message = try P2PMessage(frame: frame)
            } catch {
                logger.debug("undecodable \(frame.command) from peer: \(error)")
                context.close(promise: nil)
                return
            }
            enqueue(message, context: context)
        }
    }

    private func enqueue(_ message: P2PMessage, context: ChannelHandlerContext) {
        let loop = context.eventLoop
        let node = self.node
        let previous = tail ?? loop.makeSucceededVoidFuture()
        tail = previous.assumeIsolated().flatMap { () -> EventLoopFuture<[P2PFrame]> in
            loop.makeFutureWithTask { await node.p2pAnswer(message) }
        }.map { frames in
            for frame in frames {
                let bytes = frame.encoded(magic: .regtest)
                context.write(self.wrapOutboundOut(context.channel.allocator.buffer(bytes: bytes)), promise: nil)
            }
            if !frames.isEmpty { context.flush() }
        }.nonisolated()
    }
}
