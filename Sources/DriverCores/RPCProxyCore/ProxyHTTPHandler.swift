import BitcoindRPC
import NIOCore
import NIOHTTP1

/// One client connection: collects a request (up to bitcoind's 32 MiB), hands it to the
/// ``RPCProxy`` and writes the reply, keeping the connection alive when the client asks.
/// Pipelined requests are ordered by NIO's HTTPServerPipelineHandler in front of it.
///
/// Authentication comes first (issue 15): the Authorization header is checked on the request
/// head, and the body of a request that fails it is read and thrown away, never buffered; its
/// 401 closes the connection. A connection with no reply owed that sends nothing for the idle
/// timeout (an `IdleStateHandler` in front) is closed.
final class ProxyHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    /// bitcoind's request body limit (MAX_SIZE, src/serialize.h).
    static let maxBodySize = 0x0200_0000

    private let proxy: RPCProxy
    /// The event-loop forwarding path; nil sends everything through ``RPCProxy/handle(_:)``.
    private let upstream: UpstreamPools?
    private var head: HTTPRequestHead?
    private var body: ByteBuffer?
    private var tooLarge = false
    /// The current request failed authentication on its head: its body is discarded.
    private var unauthenticated = false
    /// Requests read and not yet answered (a held `getblock` may take 45 s: not idle).
    private var owed = 0
    /// The current request's authentication, decided on its head.
    private var outcome = ProxyAuthenticator.Outcome.missing
    /// The last Authorization header this connection authenticated with, and its user: a
    /// client repeats the same header on every call, which is then checked by comparing it
    /// with this one instead of decoding and hashing it again. Only a header that passed the
    /// full check on this same connection is kept, so the comparison tells a caller nothing
    /// it did not send itself.
    private var verified: (header: String, user: String)?
    /// Called on the connection's first authenticated request head (its slot is then proven).
    private var onAuthenticated: (() -> Void)?

    init(proxy: RPCProxy, upstream: UpstreamPools? = nil, onAuthenticated: (() -> Void)? = nil) {
        self.proxy = proxy
        self.upstream = upstream
        self.onAuthenticated = onAuthenticated
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h):
            head = h
            body = nil
            tooLarge = false
            let authorization = h.headers.first(name: "Authorization")
            if let verified, let authorization, verified.header == authorization {
                outcome = .user(verified.user)
            } else {
                outcome = proxy.authenticator.authenticate(authorization)
            }
            if case .user(let user) = outcome {
                unauthenticated = false
                verified = authorization.map { (header: $0, user: user) }
                if let proven = onAuthenticated {
                    onAuthenticated = nil
                    proven()
                }
            } else {
                unauthenticated = true
            }
        case .body(var chunk):
            guard !tooLarge, !unauthenticated else { return }
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
            // A client that failed authentication gets its 401 and the connection closes.
            let keepAlive = head.isKeepAlive && !unauthenticated
            owed += 1
            if tooLarge {
                write(context: context, RPCProxy.Reply(status: 413), keepAlive: false)
                return
            }
            let request = RPCProxy.Request(
                isPost: head.method == .POST, uri: head.uri,
                authorization: head.headers.first(name: "Authorization"), body: body ?? ByteBuffer())
            body = nil
            respond(context: context, request: request, keepAlive: keepAlive)
        }
    }

    /// Admits the request on the event loop; a call that cannot need a held `getblock` goes
    /// to bitcoind on this loop's own upstream connections and bitcoind's bytes come back as
    /// they are, with no task and no thread hop. Everything else (a held `getblock`, a wrong
    /// password's delay, no upstream credentials yet, an upstream failure) takes the
    /// ``RPCProxy`` task path.
    private func respond(context: ChannelHandlerContext, request: RPCProxy.Request, keepAlive: Bool) {
        let parsed: ProxyRequest
        let user: String
        switch proxy.admit(request, authenticated: outcome) {
        case .refused(let reply):
            return write(context: context, reply, keepAlive: keepAlive)
        case .wrongPassword:
            return slow(context: context, keepAlive: keepAlive) { proxy in
                try? await Task.sleep(for: proxy.configuration.wrongPasswordDelay)
                return RPCProxy.unauthorized
            }
        case .admitted(let admitted, let name):
            parsed = admitted
            user = name
        }
        guard let upstream, !parsed.mayHoldGetBlock else {
            return forwardSlowly(context: context, parsed: parsed, request: request, user: user, keepAlive: keepAlive)
        }
        let sent = upstream.forward(request.body, uri: request.uri, on: context.eventLoop) { [self] result in
            switch result {
            case .success(let reply) where reply.status != 401:
                let headers: [(String, String)] = reply.body.readableBytes > 0 ? [("Content-Type", "application/json")] : []
                write(context: context, RPCProxy.Reply(status: reply.status, body: reply.body, headers: headers), keepAlive: keepAlive)
                // After the answer is written: the mirror never delays or changes it.
                proxy.mirrorTransactions(parsed, body: request.body)
            case .success:
                // bitcoind restarted with a new cookie: the task path re-reads it.
                upstream.authorizationHeader = nil
                forwardSlowly(context: context, parsed: parsed, request: request, user: user, keepAlive: keepAlive)
            case .failure(.timeout):
                proxy.metrics.bitcoindFailed()
                write(context: context, RPCProxy.bitcoindUnavailable(BitcoindRPCError(.timeout(seconds: Double(upstream.timeout.nanoseconds) / 1e9))), keepAlive: keepAlive)
            case .failure:
                // Closed (a stale keep-alive connection, bitcoind restarting): the task path
                // retries once and reports bitcoind's state in bitcoind's form.
                forwardSlowly(context: context, parsed: parsed, request: request, user: user, keepAlive: keepAlive)
            }
        }
        if !sent { forwardSlowly(context: context, parsed: parsed, request: request, user: user, keepAlive: keepAlive) }
    }

    /// The task path for an admitted request; learns bitcoind's credentials for the fast path.
    private func forwardSlowly(context: ChannelHandlerContext, parsed: ProxyRequest, request: RPCProxy.Request, user: String, keepAlive: Bool) {
        let upstream = self.upstream
        slow(context: context, keepAlive: keepAlive) { proxy in
            let reply = await proxy.forward(parsed, request: request, user: user)
            if let upstream, upstream.authorizationHeader == nil {
                upstream.authorizationHeader = try? await proxy.rpc.authorizationHeader()
            }
            return reply
        }
    }

    /// Runs `work` in a task and writes its reply on the loop.
    private func slow(context: ChannelHandlerContext, keepAlive: Bool, _ work: @escaping @Sendable (RPCProxy) async -> RPCProxy.Reply) {
        let proxy = self.proxy
        let promise = context.eventLoop.makePromise(of: RPCProxy.Reply.self)
        promise.completeWithTask { await work(proxy) }
        promise.futureResult.assumeIsolated().whenSuccess { reply in
            self.write(context: context, reply, keepAlive: keepAlive)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read {
            // Idle only while no reply is owed: a held getblock reads nothing for its 45 s.
            if owed == 0 {
                proxy.metrics.idleClosed()
                context.close(promise: nil)
            }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    private func write(context: ChannelHandlerContext, _ reply: RPCProxy.Reply, keepAlive: Bool) {
        owed = max(0, owed - 1)
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
