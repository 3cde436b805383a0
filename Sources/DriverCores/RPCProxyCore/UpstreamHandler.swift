import NIOCore
import NIOHTTP1

/// Why a request on an upstream connection got no reply.
enum UpstreamFailure: Error, Sendable {
    /// The connection closed (or never opened) before the reply was complete.
    case closed
    /// No complete reply within the request timeout.
    case timeout
    /// The reply was larger than the limit, or not HTTP.
    case malformed
}

/// bitcoind's reply to one request on an upstream connection, untouched.
struct UpstreamReply {
    let status: Int
    let body: ByteBuffer
    let keepAlive: Bool
}

/// One keep-alive connection from the proxy to bitcoind, driven entirely on its event loop:
/// the caller (on the same loop) calls ``send(head:body:timeout:)`` and gets the reply in a
/// future completed on that loop, with no task and no thread hop. One request in flight.
final class UpstreamHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private let limit: Int
    private var context: ChannelHandlerContext?
    private var pending: EventLoopPromise<UpstreamReply>?
    private var timeoutTask: Scheduled<Void>?
    private var status = 0
    private var keepAlive = true
    private var body: ByteBuffer?

    /// - Parameter limit: largest reply body accepted.
    init(limit: Int) { self.limit = limit }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) {
        fail(.closed)
        self.context = nil
    }

    /// Writes one request. Must be called on the channel's event loop.
    /// - Parameters:
    ///   - head: the request head (authorization and length already set).
    ///   - body: the request body, sent as is.
    ///   - timeout: how long the reply may take.
    /// - Returns: bitcoind's reply, or a failure with ``UpstreamFailure``.
    func send(head: HTTPRequestHead, body requestBody: ByteBuffer, timeout: TimeAmount, on loop: any EventLoop) -> EventLoopFuture<UpstreamReply> {
        guard let context, pending == nil else { return loop.makeFailedFuture(UpstreamFailure.closed) }
        let promise = loop.makePromise(of: UpstreamReply.self)
        pending = promise
        status = 0
        body = nil
        timeoutTask = loop.assumeIsolated().scheduleTask(in: timeout) { [self] in
            fail(.timeout)
            self.context?.close(promise: nil)
        }
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(requestBody))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        return promise.futureResult
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard pending != nil else { return }
        switch unwrapInboundIn(data) {
        case .head(let head):
            status = Int(head.status.code)
            keepAlive = head.isKeepAlive
            if let length = head.headers.first(name: "Content-Length").flatMap(Int.init), length > limit {
                fail(.malformed)
                context.close(promise: nil)
            }
        case .body(var chunk):
            let have = body?.readableBytes ?? 0
            guard have + chunk.readableBytes <= limit else {
                fail(.malformed)
                context.close(promise: nil)
                return
            }
            // The first chunk is usually the whole reply: keep it without copying.
            if body == nil { body = chunk } else { body?.writeBuffer(&chunk) }
        case .end:
            let reply = UpstreamReply(status: status, body: body ?? ByteBuffer(), keepAlive: keepAlive)
            let promise = pending
            pending = nil
            body = nil
            timeoutTask?.cancel()
            timeoutTask = nil
            if !keepAlive { context.close(promise: nil) }
            promise?.succeed(reply)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(.closed)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(.malformed)
        context.close(promise: nil)
    }

    /// Whether the connection can carry another request.
    var isIdle: Bool { pending == nil && context?.channel.isActive == true }

    private func fail(_ failure: UpstreamFailure) {
        timeoutTask?.cancel()
        timeoutTask = nil
        body = nil
        if let promise = pending {
            pending = nil
            promise.fail(failure)
        }
    }
}
