import NIOCore
import NIOHTTP1

/// One client connection: collects a request (up to bitcoind's 32 MiB), hands it to the
/// ``RPCProxy`` and writes the reply, keeping the connection alive when the client asks.
/// Pipelined requests are ordered by NIO's HTTPServerPipelineHandler in front of it.
final class ProxyHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    /// bitcoind's request body limit (MAX_SIZE, src/serialize.h).
    static let maxBodySize = 0x0200_0000

    private let proxy: RPCProxy
    private var head: HTTPRequestHead?
    private var body: ByteBuffer?
    private var tooLarge = false

    init(proxy: RPCProxy) { self.proxy = proxy }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h):
            head = h
            body = nil
            tooLarge = false
        case .body(var chunk):
            guard !tooLarge else { return }
            guard (body?.readableBytes ?? 0) + chunk.readableBytes <= Self.maxBodySize else {
                tooLarge = true
                body = nil
                return
            }
            if body == nil {
                body = chunk
            } else {
                body?.writeBuffer(&chunk)
            }
        case .end:
            guard let head else { return }
            self.head = nil
            let keepAlive = head.isKeepAlive
            if tooLarge {
                write(context: context, RPCProxy.Reply(status: 413), keepAlive: false)
                return
            }
            let request = RPCProxy.Request(
                isPost: head.method == .POST, uri: head.uri,
                authorization: head.headers.first(name: "Authorization"), body: body ?? ByteBuffer())
            body = nil
            let proxy = self.proxy
            let promise = context.eventLoop.makePromise(of: RPCProxy.Reply.self)
            promise.completeWithTask { await proxy.handle(request) }
            promise.futureResult.assumeIsolated().whenSuccess { reply in
                self.write(context: context, reply, keepAlive: keepAlive)
            }
        }
    }

    private func write(context: ChannelHandlerContext, _ reply: RPCProxy.Reply, keepAlive: Bool) {
        var headers = HTTPHeaders()
        for (name, value) in reply.headers { headers.add(name: name, value: value) }
        headers.add(name: "Content-Length", value: String(reply.body.readableBytes))
        headers.add(name: "Connection", value: keepAlive ? "keep-alive" : "close")
        let status = HTTPResponseStatus(statusCode: reply.status)
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        if reply.body.readableBytes > 0 {
            context.write(wrapOutboundOut(.body(.byteBuffer(reply.body))), promise: nil)
        }
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            let channel = context.channel
            done.whenComplete { _ in channel.close(promise: nil) }
        }
    }
}

/// Serves the Prometheus text format on GET (any path), for `--metrics HOST:PORT`.
final class MetricsHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let metrics: ProxyMetrics

    init(metrics: ProxyMetrics) { self.metrics = metrics }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(let head) = unwrapInboundIn(data) else { return }
        let ok = head.method == .GET
        let text = ok ? metrics.registry.emitToBuffer() : Array("only GET\n".utf8)
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: ok ? "text/plain; version=0.0.4" : "text/plain")
        headers.add(name: "Content-Length", value: String(text.count))
        headers.add(name: "Connection", value: "close")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: ok ? .ok : .methodNotAllowed, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: text)))), promise: nil)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }
}
