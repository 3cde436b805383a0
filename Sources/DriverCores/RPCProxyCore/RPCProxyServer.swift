import BitcoindRPC
import DriverKit
import Foundation
import GetBlockFromPeerDriverCore
import HTTPService
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// Everything `altnet-driver-rpc proxy` needs to run.
public struct RPCProxyOptions: Sendable {
    /// bitcoind's RPC address and credentials.
    public var bitcoindHost: String
    public var bitcoindPort: Int
    public var bitcoindCredentials: RPCCredentials
    /// The proxy's data directory: its `.cookie` goes here.
    public var datadir: String
    public var listenHost = "127.0.0.1"
    /// 0 picks a free port (see ``RunningRPCProxy/port``).
    public var listenPort = 8331
    /// `USER:SALT$HASH` lines.
    public var rpcauth: [String] = []
    /// `USER:method,method` lines (bitcoind's -rpcwhitelist).
    public var allow: [String] = []
    public var fetchDeadline: Duration = .seconds(45)
    /// How long one bitcoind peer gets to deliver before the next is asked.
    public var peerTimeout: Duration = .seconds(5)
    /// Keep-alive connections to bitcoind in use at once; beyond them calls wait in the proxy
    /// instead of bitcoind answering 503 ("Work queue depth exceeded"). Nil: matched to
    /// bitcoind's work queue by its version (``upstreamConnections(clientVersion:)``).
    public var bitcoindConnections: Int?
    /// Forward calls that cannot be a held `getblock` on the event loop (see docs/rpc-proxy.md);
    /// false sends every call through the task path (for comparison in `altnet-bench`).
    public var eventLoopForwarding = true
    /// Client connections open at once (`--max-connections`); more are closed at accept.
    public var maxConnections = 64
    /// A client connection that owes no reply and sends nothing this long is closed
    /// (`--idle-timeout`; bitcoind's -rpcservertimeout is 30 s).
    public var idleTimeout: Duration = .seconds(30)
    /// Block fetches one proxy user may have under way at once (`--fetches-per-user`).
    public var fetchesPerUser = 4
    /// altnetd's data directory (`--altnetd-datadir`): mirror transactions into its emergency
    /// queue; nil: off.
    public var altnetdDataDir: String?
    /// Where to serve Prometheus metrics, if anywhere.
    public var metricsHost: String?
    public var metricsPort: Int?

    public init(bitcoindHost: String, bitcoindPort: Int, bitcoindCredentials: RPCCredentials, datadir: String) {
        self.bitcoindHost = bitcoindHost
        self.bitcoindPort = bitcoindPort
        self.bitcoindCredentials = bitcoindCredentials
        self.datadir = datadir
    }
}

/// A running proxy: its listener, optional metrics listener and cookie. ``close()`` stops
/// listening and deletes the cookie.
public final class RunningRPCProxy: Sendable {
    public let proxy: RPCProxy
    /// The bound port.
    public let port: Int
    public let metricsPort: Int?
    /// Keep-alive connections to bitcoind in use at once (given, or matched to its version).
    public let bitcoindConnections: Int
    public let cookie: CookieFile
    private let channel: any Channel
    private let metricsServer: HTTPServer?
    private let rpc: BitcoindRPCClient
    private let upstream: UpstreamPools

    /// Starts the proxy: writes the cookie, binds the listener (and the metrics listener).
    /// - Parameters:
    ///   - options: addresses, credentials, users.
    ///   - logger: for the proxy and its fetches.
    /// - Returns: the running proxy.
    /// - Throws: ``RPCProxyConfigError`` for bad rpcauth lines, an unwritable cookie or a port
    ///   that cannot be bound.
    public static func start(_ options: RPCProxyOptions, logger: Logger = Logger(label: "rpc-proxy")) async throws(RPCProxyConfigError) -> RunningRPCProxy {
        var entries: [RPCAuthEntry] = []
        for line in options.rpcauth { entries.append(try RPCAuthEntry(line: line)) }
        var rpcConfig = BitcoindRPCClient.Configuration(
            host: options.bitcoindHost, port: options.bitcoindPort, credentials: options.bitcoindCredentials)
        // A held getblock outlives a normal call; bitcoind's own calls (a verbosity 3 block)
        // can take long too.
        rpcConfig.requestTimeout = .seconds(120)
        rpcConfig.maxResponseBytes = 256 << 20
        let connections = await Self.connections(options, config: rpcConfig, logger: logger)
        rpcConfig.maxConnections = connections
        rpcConfig.maxIdleConnections = connections
        let rpc = BitcoindRPCClient(rpcConfig, logger: logger)
        let fetcher = PeerBlockFetcher(rpc: rpc, configuration: .init(peerTimeout: options.peerTimeout), logger: logger)
        let cookie = try writeCookie(in: options.datadir)
        let authenticator = ProxyAuthenticator(
            userColonPassword: cookie.userColonPassword, rpcauth: entries, allowLines: options.allow)
        var configuration = RPCProxy.Configuration(fetchDeadline: options.fetchDeadline)
        configuration.fetchesPerUser = max(1, options.fetchesPerUser)
        configuration.altnetdDataDir = options.altnetdDataDir
        let proxy = RPCProxy(
            rpc: rpc, fetcher: fetcher, authenticator: authenticator, configuration: configuration, logger: logger)
        let open = InboundSlots(limit: options.maxConnections)
        let (maxConnections, idle) = (options.maxConnections, TimeAmount(options.idleTimeout))
        let upstream = UpstreamPools(
            group: MultiThreadedEventLoopGroup.singleton, host: options.bitcoindHost, port: options.bitcoindPort,
            connections: connections, replyLimit: rpcConfig.maxResponseBytes,
            timeout: .seconds(120))
        // Unknown while bitcoind's cookie is missing: calls take the task path until it is read.
        upstream.authorizationHeader = try? await rpc.authorizationHeader()
        do {
            let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.backlog, value: 256)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .childChannelInitializer { child in
                    child.eventLoop.makeCompletedFuture {
                        let from = child.remoteAddress?.ipAddress ?? "?"
                        let ticket: InboundSlots.Ticket
                        switch open.admit(address: from, evict: { child.close(promise: nil) }) {
                        case .admitted(let t):
                            ticket = t
                        case .admittedByEvicting(let t, let evicted):
                            ticket = t
                            proxy.metrics.connectionRefused()
                            logger.warning("\(maxConnections) client connections open (--max-connections): closed the oldest from \(evicted) that had not authenticated, for one from \(from)")
                        case .full:
                            proxy.metrics.connectionRefused()
                            logger.warning("refused a client connection from \(child.remoteAddress?.description ?? "?"): \(maxConnections) open (--max-connections)")
                            throw ChannelError.ioOnClosedChannel
                        }
                        child.closeFuture.whenComplete { _ in open.release(ticket) }
                        try child.pipeline.syncOperations.addHandler(IdleStateHandler(readTimeout: idle))
                        // Outbound header validation off: every reply header is the proxy's own (fixed
                        // names, numeric lengths), and validating them cost 7% of its CPU per call.
                        try child.pipeline.syncOperations.configureHTTPServerPipeline(
                            withErrorHandling: true, withOutboundHeaderValidation: false)
                        try child.pipeline.syncOperations.addHandler(ProxyHTTPHandler(
                            proxy: proxy, upstream: options.eventLoopForwarding ? upstream : nil, onAuthenticated: { open.proven(ticket) }))
                    }
                }
                .bind(host: options.listenHost, port: options.listenPort).get()
            var metricsServer: HTTPServer?
            if let host = options.metricsHost, let port = options.metricsPort {
                do {
                    // Prometheus text on GET at any path (docs/rpc-proxy.md).
                    let registry = proxy.metrics.registry
                    metricsServer = try await HTTPServer(address: .tcp(host: host, port: port), logger: logger) {
                        PrometheusExposition.respond(to: $0, registry: registry, paths: .any)
                    }
                } catch {
                    try? await channel.close()
                    throw error
                }
            }
            logger.info("rpc proxy listening on \(options.listenHost):\(channel.localAddress?.port ?? 0) for bitcoind at \(options.bitcoindHost):\(options.bitcoindPort) (\(connections) connections); cookie \(cookie.path)")
            return RunningRPCProxy(proxy: proxy, channel: channel, metricsServer: metricsServer, cookie: cookie, rpc: rpc, upstream: upstream, connections: connections)
        } catch {
            cookie.delete()
            throw RPCProxyConfigError("cannot listen on \(options.listenHost):\(options.listenPort) or the metrics address: \(error)")
        }
    }

    private init(proxy: RPCProxy, channel: any Channel, metricsServer: HTTPServer?, cookie: CookieFile, rpc: BitcoindRPCClient, upstream: UpstreamPools, connections: Int) {
        self.upstream = upstream
        self.bitcoindConnections = connections
        self.proxy = proxy
        self.channel = channel
        self.metricsServer = metricsServer
        self.port = channel.localAddress?.port ?? 0
        self.metricsPort = metricsServer?.port
        self.cookie = cookie
        self.rpc = rpc
    }

    /// Connections to bitcoind for a client version (getnetworkinfo's `version`): Bitcoin Core's
    /// `-rpcworkqueue` default, 64 since v29.0 (PR #31215, with `-rpcthreads` 16) and 16 before
    /// (src/httpserver.h DEFAULT_HTTP_WORKQUEUE). More in flight than the work queue holds
    /// would turn a burst into bitcoind's 503s; fewer leaves bitcoind's threads idle (measured
    /// against v30.99 in docs/rpc-proxy.md: 64 connections 0.64 of direct, 16 connections 0.58).
    public static func upstreamConnections(clientVersion: Int?) -> Int {
        guard let clientVersion, clientVersion >= 290_000 else { return 16 }
        return 64
    }

    /// The connection count: `--rpc-connections` when given, else matched to bitcoind's version
    /// (asked once with a 5 s timeout; a bitcoind not answering yet gets the older default, 16).
    private static func connections(_ options: RPCProxyOptions, config: BitcoindRPCClient.Configuration, logger: Logger) async -> Int {
        if let given = options.bitcoindConnections { return max(1, given) }
        var probeConfig = config
        probeConfig.maxConnections = 1
        probeConfig.requestTimeout = .seconds(5)
        let probe = BitcoindRPCClient(probeConfig, logger: logger)
        let version = try? await probe.getNetworkInfo().version
        await probe.close()
        let connections = upstreamConnections(clientVersion: version)
        if let version {
            logger.info("bitcoind reports version \(version): \(connections) connections to it, its -rpcworkqueue default (--rpc-connections to change)")
        } else {
            logger.warning("bitcoind did not answer getnetworkinfo: \(connections) connections to it, the oldest -rpcworkqueue default (--rpc-connections to change)")
        }
        return connections
    }

    /// Stops listening, closes bitcoind connections and deletes the cookie.
    public func close() async {
        try? await channel.close()
        await metricsServer?.shutdown()
        await upstream.close()
        await rpc.close()
        cookie.delete()
    }
}

/// Writes a fresh cookie to `DIR/.cookie`, creating the directory (mode 0700) if missing.
private func writeCookie(in directory: String) throws(RPCProxyConfigError) -> CookieFile {
    do {
        try FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    } catch {
        throw RPCProxyConfigError("cannot create data directory \(directory): \(error)")
    }
    let cookie = CookieFile(path: directory + "/" + CookieFile.fileName)
    do throws(CookieFileError) { try cookie.write() } catch { throw RPCProxyConfigError(error.description) }
    return cookie
}
