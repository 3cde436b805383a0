import Foundation
import NIOCore
import NIOHTTP1

/// One HTTP connection of the RPC server: collects a request (bounded), checks method and
/// Basic authentication as bitcoind does, runs the JSON-RPC endpoint, writes the reply, and
/// keeps the connection alive when the client asks for it.
final class HTTPRPCHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    /// bitcoind's limit on an HTTP request body (MAX_SIZE, 32 MiB).
    static let maxBodySize = 0x0200_0000

    private let node: SimnodeNode
    private let authorization: String
    private var head: HTTPRequestHead?
    private var body = ByteBuffer()
    private var tooLarge = false

    /// - Parameters:
    ///   - node: the node executing methods.
    ///   - userColonPassword: the accepted credentials ("__cookie__:hex" or "user:password").
    init(node: SimnodeNode, userColonPassword: String) {
        self.node = node
        self.authorization = "Basic " + Data(userColonPassword.utf8).base64EncodedString()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h):
            head = h
            body.clear()
            tooLarge = false
        case .body(var chunk):
            if body.readableBytes + chunk.readableBytes > Self.maxBodySize {
                tooLarge = true
            } else {
                body.writeBuffer(&chunk)
            }
        case .end:
            guard let head else { return }
            self.head = nil
            respond(context: context, head: head)
        }
    }

    private func respond(context: ChannelHandlerContext, head: HTTPRequestHead) {
        let keepAlive = head.isKeepAlive
        if tooLarge {
            write(context: context, status: .payloadTooLarge, body: nil, keepAlive: false)
            return
        }
        guard head.method == .POST else {
            write(context: context, status: .methodNotAllowed, body: "JSONRPC server handles only POST requests",
                  contentType: "text/html; charset=ISO-8859-1", keepAlive: keepAlive)
            return
        }
        let given = head.headers.first(name: "Authorization") ?? ""
        guard constantTimeEqual(given, authorization) else {
            // bitcoind sleeps 250 ms before answering a wrong password, to deter brute force.
            let delay: TimeAmount = given.isEmpty ? .zero : .milliseconds(250)
            let loopContext = NIOLoopBound(context, eventLoop: context.eventLoop)
            let this = NIOLoopBound(self, eventLoop: context.eventLoop)
            context.eventLoop.scheduleTask(in: delay) {
                this.value.write(context: loopContext.value, status: .unauthorized, body: nil,
                                 extraHeaders: [("WWW-Authenticate", "Basic realm=\"jsonrpc\"")], keepAlive: keepAlive)
            }
            return
        }
        let requestBody = Data(body.readableBytesView)
        let node = self.node
        let future = context.eventLoop.makeFutureWithTask {
            await JSONRPCEndpoint.handle(body: requestBody, version: node.coreVersion) { method, params in
                do throws(RPCFailure) {
                    return .success(try await node.call(method, params: params))
                } catch {
                    return .failure(error)
                }
            }
        }
        future.hop(to: context.eventLoop).assumeIsolated().whenSuccess { reply in
            let status = HTTPResponseStatus(statusCode: reply.status)
            self.write(context: context, status: status, body: reply.body, keepAlive: keepAlive)
        }
    }

    private func write(
        context: ChannelHandlerContext, status: HTTPResponseStatus, body: String?,
        contentType: String = "application/json", extraHeaders: [(String, String)] = [], keepAlive: Bool
    ) {
        var headers = HTTPHeaders()
        if body != nil { headers.add(name: "Content-Type", value: contentType) }
        for (k, v) in extraHeaders { headers.add(name: k, value: v) }
        let bytes = body.map { Array($0.utf8) } ?? []
        headers.add(name: "Content-Length", value: String(bytes.count))
        headers.add(name: "Connection", value: keepAlive ? "keep-alive" : "close")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        if !bytes.isEmpty {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: bytes)))), promise: nil)
        }
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            let channel = context.channel
            done.whenComplete { _ in channel.close(promise: nil) }
        }
    }

    private func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var diff = UInt8(x.count == y.count ? 0 : 1)
        for i in 0..<min(x.count, y.count) { diff |= x[i] ^ y[i] }
        return diff == 0
    }
}
