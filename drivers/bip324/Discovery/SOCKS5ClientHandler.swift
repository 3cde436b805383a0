import BIP324ProxyCore
import BitcoinPrimitives
import NIOCore

/// Runs a ``SOCKS5Client`` negotiation on a fresh channel to the proxy, then gets out of the
/// way: the handlers after it see `channelActive` only once the tunnel to `target` is open, and
/// the first tunnelled bytes as their first read. A refused or broken negotiation closes the
/// channel. The target goes by name unless it is an IP literal (so `.onion` names and DNS
/// seed names are resolved by the proxy, never here).
final class SOCKS5ClientHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var client: SOCKS5Client

    init(target: HostPort) {
        let host: ProxyHost
        if let address = PeerAddress(host: target.host, port: 1), address.network == .ipv4 || address.network == .ipv6 {
            host = address.network == .ipv4 ? .ipv4(address.bytes) : .ipv6(address.ipAddress?.bytes ?? address.bytes)
        } else {
            host = .domain(target.host)
        }
        client = SOCKS5Client(destination: ProxyDestination(host: host, port: target.port))
    }

    func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: client.greeting())), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        switch client.receive(bytes) {
        case .needMore(let send):
            if !send.isEmpty { context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: send)), promise: nil) }
        case .connected(let leftover):
            context.fireChannelActive()
            if !leftover.isEmpty { context.fireChannelRead(wrapInboundOut(context.channel.allocator.buffer(bytes: leftover))) }
            context.pipeline.syncOperations.removeHandler(self, promise: nil)
        case .failed(let reason):
            context.fireErrorCaught(SOCKS5Failure(description: reason))
            context.close(promise: nil)
        }
    }
}

/// A SOCKS5 proxy refused a connection or broke the protocol.
struct SOCKS5Failure: Error, CustomStringConvertible {
    let description: String
}
