import NIOCore
import NIOHTTP1

/// One request to send on a connection, with the promise its reply completes.
struct RPCHTTPRequest: Sendable {
    let head: HTTPRequestHead
    let body: ByteBuffer
    let promise: EventLoopPromise<RPCHTTPResponse>
    let timeout: TimeAmount
}

/// A complete HTTP reply.
struct RPCHTTPResponse: Sendable {
    let status: Int
    let body: ByteBuffer
    let keepAlive: Bool
}

/// The client side of one keep-alive connection: one request in flight, the reply collected
/// up to `limit` bytes. A reply that announces or grows past the limit fails the request at
/// once and closes the connection, so memory stays bounded whatever the server sends.
final class RPCClientHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = RPCHTTPRequest
    typealias OutboundOut = HTTPClientRequestPart

    private let limit: Int
    private var pending: EventLoopPromise<RPCHTTPResponse>?
    private var timeoutTask: Scheduled<Void>?
    private var status = 0
    private var keepAlive = true
    private var body = ByteBuffer()

    init(limit: Int) { self.limit = limit }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        guard pending == nil else {
            request.promise.fail(BitcoindRPCError(.malformedResponse("connection already has a request in flight")))
            promise?.fail(ChannelError.inappropriateOperationForState)
            return
        }
        pending = request.promise
        status = 0
        body.clear()
        let loopContext = context
        timeoutTask = context.eventLoop.assumeIsolated().scheduleTask(in: request.timeout) { [self] in
            let seconds = Double(request.timeout.nanoseconds) / 1e9
            fail(BitcoindRPCError(.timeout(seconds: seconds)), context: loopContext)
        }
        context.write(wrapOutboundOut(.head(request.head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(request.body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard pending != nil else { return }  // discarding after a failure
        switch unwrapInboundIn(data) {
        case .head(let head):
            status = Int(head.status.code)
            keepAlive = head.isKeepAlive
            if let length = head.headers.first(name: "Content-Length").flatMap(Int.init), length > limit {
                fail(BitcoindRPCError(.responseTooLarge(limit: limit)), context: context)
            }
        case .body(var chunk):
            guard body.readableBytes + chunk.readableBytes <= limit else {
                fail(BitcoindRPCError(.responseTooLarge(limit: limit)), context: context)
                return
            }
            body.writeBuffer(&chunk)
        case .end:
            let response = RPCHTTPResponse(status: status, body: body, keepAlive: keepAlive)
            let promise = pending
            pending = nil
            timeoutTask?.cancel()
            body = ByteBuffer()
            promise?.succeed(response)
            if !keepAlive { context.close(promise: nil) }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(BitcoindRPCError(.connectionClosed), context: nil)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let rpc = error as? BitcoindRPCError {
            fail(rpc, context: context)
        } else if let parse = error as? HTTPParserError, parse == .invalidEOFState {
            // The server closed mid-reply (bitcoind killed, a proxy dropping): a cut, not garbage.
            fail(BitcoindRPCError(.connectionClosed), context: context)
        } else {
            fail(BitcoindRPCError(.malformedResponse("HTTP: \(error)")), context: context)
        }
    }

    /// Fails the pending request (if any) and closes the connection.
    private func fail(_ error: BitcoindRPCError, context: ChannelHandlerContext?) {
        timeoutTask?.cancel()
        timeoutTask = nil
        body = ByteBuffer()
        if let promise = pending {
            pending = nil
            promise.fail(error)
        }
        context?.close(promise: nil)
    }
}
