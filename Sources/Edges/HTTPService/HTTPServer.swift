#if canImport(Glibc)
import Glibc
#endif
import DriverKit
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle

/// altnet's one HTTP/1.1 server (swift-nio), on a Unix socket or a TCP address: the control
/// socket, simnode's JSON-RPC and every metrics endpoint. Each whole request goes to an async
/// handler; keep-alive and pipelining as HTTP/1.1 has them; every client bounded by
/// ``Limits`` (head and body size before buffering, a per-request deadline, a connection cap).
/// A `Service`: `run()` serves until a graceful shutdown, which stops accepting, lets requests
/// in flight finish (up to ``Limits/shutdownGrace``) and closes idle connections.
///
/// The RPC proxy (RPCProxyCore) keeps its own server: it forwards requests to bitcoind on
/// the event loop without buffering them whole (docs/architecture.md, "Counts").
public final class HTTPServer: Service, Sendable {
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
    public let limits: Limits
    private let channel: any Channel
    private let connections: OpenConnections
    private let logger: Logger

    /// Binds the server, so that a busy port or a bad path fails before anything runs.
    /// - Parameters:
    ///   - address: a Unix socket path (made mode 0600; an existing socket file is replaced) or TCP.
    ///   - limits: what one client may cost.
    ///   - logger: for refused connections and failures.
    ///   - handler: answers each request.
    /// - Throws: the bind error, or ``HTTPServerError`` when the socket's mode cannot be set.
    public init(address: Address, limits: Limits = Limits(), logger: Logger, handler: @escaping Handler) async throws {
        self.logger = logger
        self.limits = limits
        let connections = OpenConnections()
        self.connections = connections
        let slots = InboundSlots(limit: limits.maxConnections)
        var decoderLimits = NIOHTTPDecoderLimitConfiguration()
        decoderLimits.maxHeaderListSize = limits.maxHeaderBytes
        decoderLimits.maxHeaderFieldSize = limits.maxHeaderBytes
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 128)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    let from = child.remoteAddress?.ipAddress ?? "local"
                    let ticket: InboundSlots.Ticket
                    switch slots.admit(address: from, evict: { child.close(promise: nil) }) {
                    case .admitted(let t):
                        ticket = t
                    case .admittedByEvicting(let t, let evicted):
                        ticket = t
                        logger.warning("\(limits.maxConnections) HTTP connections open: closed one from \(evicted) that had not completed a request")
                    case .full:
                        logger.warning("refused an HTTP connection from \(from): \(limits.maxConnections) open")
                        throw ChannelError.ioOnClosedChannel
                    }
                    connections.insert(child)
                    child.closeFuture.whenComplete { _ in
                        slots.release(ticket)
                        connections.remove(child)
                    }
                    try child.pipeline.syncOperations.configureHTTPServerPipeline(
                        withPipeliningAssistance: true, withErrorHandling: false,
                        withEncoderConfiguration: HTTPResponseEncoder.Configuration(),
                        withDecoderLimitConfiguration: decoderLimits)
                    try child.pipeline.syncOperations.addHandler(HTTPConnectionHandler(
                        limits: limits, handler: handler, onRequest: { slots.proven(ticket) }))
                }
            }
        switch address {
        case .unix(let path):
            // The daemon runs with umask 077, so the socket is born 0600; set again to be sure.
            channel = try await bootstrap.bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true).get()
            guard chmod(path, 0o600) == 0 else {
                let code = errno
                try? await channel.close()
                throw HTTPServerError(message: "cannot chmod \(path): \(String(cString: strerror(code)))")
            }
            boundAddress = address
        case .tcp(let host, let port):
            channel = try await bootstrap.serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .bind(host: host, port: port).get()
            boundAddress = .tcp(host: host, port: channel.localAddress?.port ?? port)
        }
    }

    /// The bound TCP port (0 for a Unix socket).
    public var port: Int {
        if case .tcp(_, let port) = boundAddress { return port }
        return 0
    }

    /// Connections open now.
    public var openConnections: Int { connections.count }

    /// Serves until graceful shutdown or cancellation, then shuts down (``shutdown()``).
    public func run() async throws {
        try? await gracefulShutdown()
        await shutdown()
    }

    /// Stops accepting, asks every connection to close once its request in flight is answered,
    /// and waits for them (closing the rest after ``Limits/shutdownGrace``). Idempotent.
    public func shutdown() async {
        try? await channel.close()
        let open = connections.all
        for child in open { child.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent()) }
        let force = channel.eventLoop.scheduleTask(in: TimeAmount(limits.shutdownGrace)) {
            for child in open { child.close(promise: nil) }
        }
        for child in open { try? await child.closeFuture.get() }
        force.cancel()
    }

    /// Returns once the listener has closed (``shutdown()`` from anywhere).
    public func waitUntilClosed() async {
        try? await channel.closeFuture.get()
    }
}

/// A failure of ``HTTPServer`` beyond NIO's own errors.
public struct HTTPServerError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
