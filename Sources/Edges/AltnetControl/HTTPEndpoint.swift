#if canImport(Glibc)
import Glibc
#endif
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle

/// A request as an ``HTTPEndpoint`` handler sees it.
public struct HTTPRequest: Sendable {
    public let method: HTTPMethod
    public let uri: String
    public let headers: HTTPHeaders
    public let body: [UInt8]
}

/// A response: status, content type and body.
public struct HTTPResponse: Sendable {
    public var status: HTTPResponseStatus
    public var contentType: String?
    public var body: [UInt8]

    public init(status: HTTPResponseStatus, contentType: String? = nil, body: [UInt8] = []) {
        self.status = status
        self.contentType = contentType
        self.body = body
    }
}

/// A small HTTP/1.1 server (swift-nio) on a Unix socket or a TCP address: one request per
/// connection, bodies bounded, each request answered by an async handler. altnetd's control
/// socket and its metrics endpoint are two of these.
public final class HTTPEndpoint: Service, Sendable {
    /// Where to listen.
    public enum Address: Sendable, CustomStringConvertible {
        case unix(path: String)
        case tcp(host: String, port: Int)

        public var description: String {
            switch self {
            case .unix(let path): path
            case .tcp(let host, let port): host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
            }
        }
    }

    public typealias Handler = @Sendable (HTTPRequest) async -> HTTPResponse

    /// The bound address (the TCP port is the real one when 0 was asked).
    public let boundAddress: Address
    private let channel: any Channel
    private let logger: Logger

    /// Binds the endpoint (so a busy port or a bad path fails before the daemon runs).
    /// - Parameters:
    ///   - address: Unix socket path (created with mode 0600; an existing file is replaced) or TCP.
    ///   - maxBodyBytes: larger requests are answered 413.
    ///   - logger: for failures.
    ///   - handler: answers each request.
    /// - Throws: the bind error.
    public init(address: Address, maxBodyBytes: Int = 1 << 20, logger: Logger, handler: @escaping Handler) async throws {
        self.logger = logger
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 64)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(NIOHTTPServerRequestAggregator(maxContentLength: maxBodyBytes))
                    try channel.pipeline.syncOperations.addHandler(RequestHandler(handler: handler))
                }
            }
        switch address {
        case .unix(let path):
            // The socket is 0600 from birth: umask for the bind only would race other threads,
            // so the daemon runs with umask 077 and the mode is set again here.
            channel = try await bootstrap.bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true).get()
            guard chmod(path, 0o600) == 0 else {
                try? await channel.close()
                throw ControlError.system("cannot chmod \(path)", errno)
            }
            boundAddress = address
        case .tcp(let host, let port):
            channel = try await bootstrap.serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .bind(host: host, port: port).get()
            boundAddress = .tcp(host: host, port: channel.localAddress?.port ?? port)
        }
    }

    /// Serves until graceful shutdown or cancellation, then closes the listener.
    public func run() async throws {
        try? await gracefulShutdown()
        await close()
    }

    /// Closes the listener (idempotent).
    public func close() async {
        try? await channel.close()
    }
}

/// Hands each aggregated request to the async handler and writes the answer, then closes.
private final class RequestHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = NIOHTTPServerRequestFull
    typealias OutboundOut = HTTPServerResponsePart

    let handler: HTTPEndpoint.Handler

    init(handler: @escaping HTTPEndpoint.Handler) { self.handler = handler }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let full = unwrapInboundIn(data)
        let request = HTTPRequest(method: full.head.method, uri: full.head.uri, headers: full.head.headers,
                                  body: full.body.map { Array($0.readableBytesView) } ?? [])
        let channel = context.channel
        let handler = self.handler
        Task {
            let response = await handler(request)
            var headers = HTTPHeaders()
            if let type = response.contentType { headers.add(name: "Content-Type", value: type) }
            headers.add(name: "Content-Length", value: String(response.body.count))
            headers.add(name: "Connection", value: "close")
            let head = HTTPResponseHead(version: .http1_1, status: response.status, headers: headers)
            var buffer = channel.allocator.buffer(capacity: response.body.count)
            buffer.writeBytes(response.body)
            channel.write(HTTPServerResponsePart.head(head), promise: nil)
            channel.write(HTTPServerResponsePart.body(.byteBuffer(buffer)), promise: nil)
            try? await channel.writeAndFlush(HTTPServerResponsePart.end(nil))
            try? await channel.close()
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
