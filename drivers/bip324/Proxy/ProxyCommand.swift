import ArgumentParser
import BIP324DriverCore
import BIP324ProxyCore
import BitcoinPrimitives
import DriverKit
import HTTPService
import Logging
import NIOCore
import NIOPosix

/// `altnet-driver-bip324 proxy`: a v1-to-v2 translating proxy, so software that only speaks v1
/// gets BIP324 encrypted transport. See docs/driver-bip324.md ("The proxy").
struct ProxyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "proxy",
        abstract: "v1-to-v2 translating proxy: v1 clients in, BIP324 v2 connections out.",
        discussion: """
            Clients say where to go by SOCKS5 CONNECT (any software with a proxy option, \
            bitcoind's -proxy= included), by connecting to a --map port (one local port per remote \
            peer), or by the addr_recv of their version message. SOCKS5 and v1 clients share the \
            --listen port and are told apart by their first byte.
            """)

    @Option(name: .customLong("network"), help: "main, testnet3, testnet4, signet or regtest (sets the message start).")
    var network: String

    @Option(name: .customLong("listen"), help: "Shared SOCKS5/v1 port, HOST:PORT ([IPv6]:PORT for IPv6).")
    var listen = "127.0.0.1:1324"

    @Option(name: .customLong("map"), help: "LOCAL=REMOTE, e.g. 127.0.0.1:18401=peer.example:8333: v1 clients of LOCAL go to REMOTE; repeatable.")
    var map: [String] = []

    @Flag(name: .customLong("v1-fallback"), help: "A destination that closes the v2 handshake unanswered gets a PLAINTEXT v1 connection (logged and counted).")
    var v1Fallback = false

    @Option(name: .customLong("metrics"), help: "Serve Prometheus metrics on HOST:PORT (GET /metrics).")
    var metrics: String?

    @Option(name: .customLong("connect-timeout-ms"), help: "Time allowed to open a remote connection.")
    var connectTimeoutMs = 10_000

    @Option(name: .customLong("greeting-timeout-ms"), help: "Time a client has from connecting to a complete greeting (SOCKS5 request or v1 version); then it is closed.")
    var greetingTimeoutMs = 10_000

    @Option(name: .customLong("max-connections"), help: "Client connections open at once; more are closed at accept.")
    var maxConnections = 128

    @Flag(name: .customLong("allow-remote"), help: "Allow --listen on a non-loopback address (also needs --socks5-auth-file).")
    var allowRemote = false

    @Option(name: .customLong("socks5-auth-file"), help: "File whose first line is USER:PASSWORD: SOCKS5 clients of --listen must present them (RFC 1929); v1 routing by addr_recv is then off.")
    var socks5AuthFile: String?

    func validate() throws {
        _ = try Self.magic(network)
        let shared = try Self.target(listen, flag: "--listen")
        guard greetingTimeoutMs > 0 else { throw ValidationError("--greeting-timeout-ms must be positive") }
        guard (1...100_000).contains(maxConnections) else { throw ValidationError("--max-connections must be from 1 to 100000") }
        if let socks5AuthFile {
            do throws(PeerViolation) { _ = try SOCKS5Credentials(file: socks5AuthFile) } catch {
                throw ValidationError("--socks5-auth-file: \(error.description)")
            }
        }
        if !Self.isLoopback(shared.host) {
            guard allowRemote, socks5AuthFile != nil else {
                throw ValidationError(
                    "--listen \(listen) is not a loopback address: the proxy would relay anyone anywhere. Give --allow-remote and --socks5-auth-file FILE (USER:PASSWORD, RFC 1929), or listen on 127.0.0.1")
            }
        }
        _ = try mappings()
        if let metrics { _ = try Self.target(metrics, flag: "--metrics") }
        guard connectTimeoutMs > 0 else { throw ValidationError("--connect-timeout-ms must be positive") }
    }

    func run() async throws {
        let logger = Logger(label: "altnet.bip324.proxy")
        let magic = try Self.magic(network)
        let proxyMetrics = BIP324ProxyMetrics()
        var settings = ProxySettings(
            magic: magic, v1Fallback: v1Fallback, connectTimeout: .milliseconds(Int64(connectTimeoutMs)), logger: logger,
            metrics: proxyMetrics)
        settings.greetingTimeout = .milliseconds(Int64(greetingTimeoutMs))
        settings.connections = InboundSlots(limit: maxConnections)
        if let socks5AuthFile {
            do throws(PeerViolation) { settings.credentials = try SOCKS5Credentials(file: socks5AuthFile) } catch {
                throw ValidationError("--socks5-auth-file: \(error.description)")
            }
        }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: System.coreCount)
        let server = ProxyServer(listen: try Self.target(listen, flag: "--listen"), mappings: try mappings(), settings: settings)
        let channels = try await server.start(group: group)
        var metricsServer: HTTPServer?
        if let metrics {
            let target = try Self.target(metrics, flag: "--metrics")
            let registry = proxyMetrics.registry
            metricsServer = try await HTTPServer(address: .tcp(host: target.host, port: target.port), logger: logger) {
                PrometheusExposition.respond(to: $0, registry: registry)
            }
            logger.info("proxy: Prometheus metrics on http://\(target)/metrics")
        }
        if v1Fallback { logger.warning("proxy: --v1-fallback: destinations that are not v2 get PLAINTEXT v1 connections") }
        // Runs until killed: the listeners never close on their own.
        try await channels.first?.closeFuture.get()
        await metricsServer?.shutdown()
    }

    /// Whether `host` is a loopback address (127.0.0.0/8, ::1) or `localhost`.
    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    /// The message start of a network name.
    static func magic(_ name: String) throws -> NetworkMagic {
        guard let network = Network(rawValue: name == "mainnet" ? "main" : name) else {
            throw ValidationError("--network \(name): expected main, testnet3, testnet4, signet or regtest")
        }
        do { return try NetworkMagic(wireBytes: ChainParams.forNetwork(network).messageStart) } catch {
            throw ValidationError("--network \(name): \(error)")
        }
    }

    static func target(_ text: String, flag: String) throws -> HostPort {
        do throws(HostPortError) { return try HostPort(parsing: text) } catch {
            throw ValidationError("\(flag) \(error)")
        }
    }

    func mappings() throws -> [ProxyServer.Mapping] {
        try map.map { entry in
            let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw ValidationError("--map \(entry): expected LOCAL=REMOTE, e.g. 127.0.0.1:18401=peer.example:8333") }
            return ProxyServer.Mapping(
                local: try Self.target(parts[0], flag: "--map"), remote: ProxyDestination(try Self.target(parts[1], flag: "--map")))
        }
    }
}
