import NIOCore

/// The remote side of a proxied connection: hands bytes, writability and the close to the
/// client's ``ProxyClientHandler``, which runs on the same event loop.
final class ProxyRemoteHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let owner: NIOLoopBound<ProxyClientHandler>

    init(owner: NIOLoopBound<ProxyClientHandler>) { self.owner = owner }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        guard buffer.readableBytes > 0 else { return }
        // Lent where NIO read it: the translator opens packets from it without an array.
        buffer.withUnsafeReadableBytes { owner.value.remoteRead($0) }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { owner.value.remoteWritable() }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        owner.value.remoteClosed()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
