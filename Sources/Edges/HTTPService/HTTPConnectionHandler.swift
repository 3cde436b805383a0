import NIOCore
import NIOHTTP1

/// One connection of an ``HTTPServer``, behind NIO's HTTP/1.1 codec and pipelining handler
/// (which hands it one request at a time and holds the next until the response's end).
///
/// ```
///  ready --head--> reading --body...--> reading --end--> answering --response--> ready (keep-alive)
///    |                |                                                 \------> closed
///    +-- deadline ----+--> closed (no response owed: a slow or idle client)
///                     +--> 413 and closed (Content-Length or the body so far over the cap)
///  decoder error --> 431 (head over the cap) or 400, closed
/// ```
final class HTTPConnectionHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let limits: HTTPServer.Limits
    private let handler: HTTPServer.Handler
    /// Called after each complete request (the connection's slot is then proven).
    private let onRequest: () -> Void
    private var head: HTTPRequestHead?
    private var body: ByteBuffer?
    /// A response that closes the connection has been written (413): ignore the rest.
    private var refused = false
    /// A request is with the handler.
    private var answering = false
    private var deadline: Scheduled<Void>?

    init(limits: HTTPServer.Limits, handler: @escaping HTTPServer.Handler, onRequest: @escaping () -> Void) {
        self.limits = limits
        self.handler = handler
        self.onRequest = onRequest
    }

    func handlerAdded(context: ChannelHandlerContext) {
        armDeadline(context: context)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
    }

    func channelInactive(context: ChannelHandlerContext) {
        deadline?.cancel()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !refused else { return }
        switch unwrapInboundIn(data) {
        case .head(let h):
            head = h
            body = nil
            if let declared = h.headers.first(name: "Content-Length").flatMap(Int.init), declared > limits.maxBodyBytes {
                refuse(context: context, status: .payloadTooLarge)
            }
        case .body(var chunk):
            guard (body?.readableBytes ?? 0) + chunk.readableBytes <= limits.maxBodyBytes else {
                body = nil
                return refuse(context: context, status: .payloadTooLarge)
            }
            if body == nil { body = chunk } else { body?.writeBuffer(&chunk) }
        case .end:
            guard let head else { return }
            self.head = nil
            deadline?.cancel()
            deadline = nil
            onRequest()
            let request = HTTPRequest(method: head.method, uri: head.uri, headers: head.headers,
                                      body: body.map { Array($0.readableBytesView) } ?? [])
            body = nil
            answer(context: context, request: request, keepAlive: head.isKeepAlive)
        }
    }

    /// Runs the handler in a task and writes its response on the loop.
    private func answer(context: ChannelHandlerContext, request: HTTPRequest, keepAlive: Bool) {
        answering = true
        let handler = self.handler
        let promise = context.eventLoop.makePromise(of: HTTPResponse.self)
        promise.completeWithTask { await handler(request) }
        promise.futureResult.assumeIsolated().whenSuccess { response in
            self.answering = false
            self.write(context: context, response, keepAlive: keepAlive && !response.close)
        }
    }

    /// Answers `status` and closes: the request is not read further.
    private func refuse(context: ChannelHandlerContext, status: HTTPResponseStatus) {
        refused = true
        deadline?.cancel()
        write(context: context, HTTPResponse(status: status), keepAlive: false)
    }

    private func write(context: ChannelHandlerContext, _ response: HTTPResponse, keepAlive: Bool) {
        guard context.channel.isActive else { return }
        var headers = HTTPHeaders()
        if let type = response.contentType { headers.add(name: "Content-Type", value: type) }
        for (name, value) in response.headers { headers.add(name: name, value: value) }
        headers.add(name: "Content-Length", value: String(response.body.count))
        headers.add(name: "Connection", value: keepAlive ? "keep-alive" : "close")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: response.status, headers: headers))), promise: nil)
        if !response.body.isEmpty {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: response.body)))), promise: nil)
        }
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if keepAlive {
            armDeadline(context: context)
        } else {
            let channel = context.channel
            done.whenComplete { _ in channel.close(promise: nil) }
        }
    }

    /// Closes the connection unless a complete request arrives within the request timeout.
    private func armDeadline(context: ChannelHandlerContext) {
        deadline?.cancel()
        let channel = context.channel
        deadline = context.eventLoop.scheduleTask(in: TimeAmount(limits.requestTimeout)) {
            channel.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // NIO's decoder stops at the first malformed byte or at a head over the cap; the
        // ByteToMessageHandler closes the channel right after this returns.
        if let parserError = error as? HTTPParserError, !answering, !refused {
            refuse(context: context, status: parserError == .headerOverflow ? .requestHeaderFieldsTooLarge : .badRequest)
        }
        context.close(promise: nil)
    }
}
