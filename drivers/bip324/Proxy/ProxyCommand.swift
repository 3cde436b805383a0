import ArgumentParser
import BIP324DriverCore
import BitcoinPrimitives
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

    func validate() throws {
        _ = try Self.magic(network)
        _ = try Self.target(listen, flag: "--listen")
        _ = try mappings()
        if let metrics { _ = try Self.target(metrics, flag: "--metrics") }
        guard connectTimeoutMs > 0 else { throw ValidationError("--connect-timeout-ms must be positive") }
    }

    func run() async throws {
        let logger = Logger(label: "altnet.bip324.proxy")
        let magic = try Self.magic(network)
        let proxyMetrics = ProxyMetrics()
        let settings = ProxySettings(
            magic: magic, v1Fallback: v1Fallback, connectTimeout: .milliseconds(Int64(connectTimeoutMs)), logger: logger,
            metrics: proxyMetrics)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: System.coreCount)
        let server = ProxyServer(listen: try Self.target(listen, flag: "--listen"), mappings: try mappings(), settings: settings)
        var channels = try await server.start(group: group)
        if let metrics {
            let target = try Self.target(metrics, flag: "--metrics")
            channels.append(try await MetricsEndpoint.start(
                host: target.host, port: target.port, registry: proxyMetrics.registry, group: group))
            logger.info("proxy: Prometheus metrics on http://\(target)/metrics")
        }
        if v1Fallback { logger.warning("proxy: --v1-fallback: destinations that are not v2 get PLAINTEXT v1 connections") }
        // Runs until killed: the listeners never close on their own.
        try await channels.first?.closeFuture.get()
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

    static func target(_ text: String, flag: String) throws -> PeerTarget {
        do throws(PeerViolation) { return try PeerTarget(parsing: text) } catch {
            throw ValidationError("\(flag) \(text): " + error.description.replacingOccurrences(of: "connect=\(text): ", with: ""))
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
