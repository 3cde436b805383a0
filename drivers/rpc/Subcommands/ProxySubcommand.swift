import ArgumentParser
import BitcoinPrimitives
import BitcoindRPC
import GetBlockFromPeerDriverCore
import Foundation
import Logging
import RPCProxyCore

/// `altnet-driver-rpc proxy`: a JSON-RPC proxy in front of a pruned bitcoind for Lightning
/// nodes (docs/rpc-proxy.md). Logs go to stderr; once listening it prints one JSON line on
/// stdout: {"listen":PORT,"metrics":PORT|null,"cookie":"PATH"}.
struct ProxySubcommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "proxy",
        abstract: "JSON-RPC proxy for a pruned bitcoind: getblock of a pruned block waits while a peer supplies it.")

    @Option(help: "main, testnet3, testnet4, signet or regtest (for default ports and paths).")
    var network = "main"

    @Option(help: "bitcoind's RPC address, HOST:PORT (default 127.0.0.1 and the network's RPC port).")
    var rpcconnect: String?

    @Option(help: "bitcoind's cookie file (default ~/.bitcoin[/NETWORK]/.cookie), unless --rpcuser is given.")
    var rpccookiefile: String?

    @Option(help: "bitcoind's -rpcuser (with --rpcpasswordfile).")
    var rpcuser: String?

    @Option(help: "A file (mode 0600) whose first line is bitcoind's -rpcpassword (with --rpcuser).")
    var rpcpasswordfile: String?

    /// Refused: a password on the command line is in every local user's `ps`.
    @Option(help: .hidden)
    var rpcpassword: String?

    @Option(help: "The proxy's data directory: its .cookie (__cookie__:SECRET, mode 0600) is written here.")
    var datadir: String

    @Option(help: "Where the proxy listens, HOST:PORT (port 0: any free port, printed on stdout).")
    var listen = "127.0.0.1:8331"

    @Option(help: "A file of proxy users, one per line in bitcoind's -rpcauth format USER:SALT$HASH (share/rpcauth/rpcauth.py); blank lines and # comments skipped; repeatable.")
    var rpcauthfile: [String] = []

    /// Refused: the salted hash on the command line is in every local user's `ps`.
    @Option(help: .hidden)
    var rpcauth: [String] = []

    @Option(help: "USER:method,method: the only methods USER may call (bitcoind's -rpcwhitelist); repeatable. Once any is given, users without one may call nothing.")
    var allow: [String] = []

    @Option(help: "Seconds a getblock of a missing block is held while a peer supplies it (default 45, under Core Lightning's 60 s bitcoin-retry-timeout).")
    var fetchDeadline: Double = 45

    @Option(help: "Seconds one bitcoind peer gets to deliver before the next is asked.")
    var peerTimeout: Double = 5

    @Option(help: "Keep-alive connections to bitcoind in use at once (default: bitcoind's -rpcworkqueue default for its version: 64 from v29, 16 before).")
    var rpcConnections: Int?

    @Option(help: "Client connections open at once; more are closed at accept.")
    var maxConnections = 64

    @Option(help: "Seconds a client connection that owes no reply may stay silent before it is closed (bitcoind's -rpcservertimeout is 30).")
    var idleTimeout: Double = 30

    @Option(help: "Missing blocks one proxy user may have fetched at once; in a batch, calls beyond it get bitcoind's own answer.")
    var fetchesPerUser = 4

    @Option(name: .customLong("altnetd-datadir"), help: "altnetd's data directory: after bitcoind answered, hand every sendrawtransaction and submitpackage to altnetd's emergency queue through its control socket and cookie (off by default; the answer is never changed or delayed).")
    var altnetdDatadir: String?

    @Option(help: "Serve Prometheus metrics on HOST:PORT.")
    var metrics: String?

    @Option(help: "Seconds between statistics lines in the log (0: only at exit).")
    var statsInterval: Double = 300

    func validate() throws {
        if rpcpassword != nil {
            throw ValidationError("--rpcpassword would show bitcoind's password in every local user's ps: write it to a file (mode 0600) and give --rpcpasswordfile FILE, or use --rpccookiefile")
        }
        if !rpcauth.isEmpty {
            throw ValidationError("--rpcauth would show the user's salted hash in every local user's ps: put the USER:SALT$HASH lines in a file (mode 0600) and give --rpcauthfile FILE")
        }
        guard (rpcuser == nil) == (rpcpasswordfile == nil) else {
            throw ValidationError("--rpcuser and --rpcpasswordfile go together")
        }
        guard rpcuser == nil || rpccookiefile == nil else {
            throw ValidationError("give --rpccookiefile or --rpcuser/--rpcpasswordfile, not both")
        }
        guard ["main", "testnet3", "testnet4", "signet", "regtest"].contains(network) else {
            throw ValidationError("--network must be main, testnet3, testnet4, signet or regtest")
        }
        guard fetchDeadline > 0, fetchDeadline <= 3600 else { throw ValidationError("--fetch-deadline must be in (0, 3600]") }
        guard peerTimeout > 0, peerTimeout <= 600 else { throw ValidationError("--peer-timeout must be in (0, 600]") }
        if let rpcConnections, !(1...1024).contains(rpcConnections) { throw ValidationError("--rpc-connections must be in 1...1024") }
        guard (1...100_000).contains(maxConnections) else { throw ValidationError("--max-connections must be in 1...100000") }
        guard idleTimeout > 0, idleTimeout <= 3600 else { throw ValidationError("--idle-timeout must be in (0, 3600]") }
        guard (1...1024).contains(fetchesPerUser) else { throw ValidationError("--fetches-per-user must be in 1...1024") }
        _ = try Self.hostPort(listen, option: "--listen")
        if let metrics { _ = try Self.hostPort(metrics, option: "--metrics") }
        if let rpcconnect { _ = try Self.hostPort(rpcconnect, option: "--rpcconnect", defaultPort: 1) }
        for path in rpcauthfile { _ = try ProxySecretFile.rpcauthLines(path) }
        if let rpcpasswordfile { _ = try ProxySecretFile.firstLine(rpcpasswordfile, option: "--rpcpasswordfile") }
    }

    /// HOST:PORT (IPv6 in brackets), or HOST alone when a default port is given; port 0 allowed
    /// (a listening address lets the OS pick).
    static func hostPort(_ text: String, option: String, defaultPort: Int? = nil) throws -> (String, Int) {
        do throws(HostPortError) {
            let parsed = try HostPort(parsing: text, defaultPort: defaultPort, ports: 0...65535)
            return (parsed.host, parsed.port)
        } catch {
            throw ValidationError("\(option) must be HOST:PORT: \(error)")
        }
    }

    func run() async throws {
        // A parent may have started us with SIGINT/SIGTERM blocked (a test runner does):
        // the shutdown signals must reach us, or the cookie would outlive the process.
        var shutdownSignals = sigset_t()
        sigemptyset(&shutdownSignals)
        sigaddset(&shutdownSignals, SIGINT)
        sigaddset(&shutdownSignals, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &shutdownSignals, nil)
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        let logger = Logger(label: "rpc-proxy")
        let (bitcoindHost, bitcoindPort) = try rpcconnect.map { try Self.hostPort($0, option: "--rpcconnect", defaultPort: RPCDriverOptions.defaultPort(network: network)) }
            ?? ("127.0.0.1", RPCDriverOptions.defaultPort(network: network))
        let credentials: RPCCredentials
        if let rpcuser, let rpcpasswordfile {
            credentials = .userPassword(user: rpcuser, password: try ProxySecretFile.firstLine(rpcpasswordfile, option: "--rpcpasswordfile"))
        } else {
            let sub = network == "main" ? "" : network + "/"
            credentials = .cookieFile(rpccookiefile ?? NSHomeDirectory() + "/.bitcoin/" + sub + ".cookie")
        }
        var options = RPCProxyOptions(
            bitcoindHost: bitcoindHost, bitcoindPort: bitcoindPort, bitcoindCredentials: credentials, datadir: datadir)
        (options.listenHost, options.listenPort) = try Self.hostPort(listen, option: "--listen")
        if let metrics {
            let (host, port) = try Self.hostPort(metrics, option: "--metrics")
            options.metricsHost = host
            options.metricsPort = port
        }
        options.rpcauth = try rpcauthfile.flatMap { try ProxySecretFile.rpcauthLines($0) }
        options.allow = allow
        options.fetchDeadline = .milliseconds(Int(fetchDeadline * 1000))
        options.peerTimeout = .milliseconds(Int(peerTimeout * 1000))
        options.bitcoindConnections = rpcConnections
        options.maxConnections = maxConnections
        options.idleTimeout = .milliseconds(Int(idleTimeout * 1000))
        options.fetchesPerUser = fetchesPerUser
        options.altnetdDataDir = altnetdDatadir

        let running: RunningRPCProxy
        do {
            running = try await RunningRPCProxy.start(options, logger: logger)
        } catch {
            logger.critical("\(error)")
            throw ExitCode(1)
        }
        let ready = "{\"listen\":\(running.port),\"metrics\":\(running.metricsPort.map(String.init) ?? "null"),\"cookie\":\"\(running.cookie.path)\"}\n"
        FileHandle.standardOutput.write(Data(ready.utf8))

        let stats: Task<Void, Never>? = statsInterval > 0 ? Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(Int(statsInterval * 1000)))
                if !Task.isCancelled { logger.info("stats: \(running.proxy.metrics.summary)") }
            }
        } : nil
        await ShutdownSignal.wait()
        stats?.cancel()
        logger.info("stopping; stats: \(running.proxy.metrics.summary)")
        await running.close()
    }
}

/// SIGINT or SIGTERM, awaited once.
enum ShutdownSignal {
    static func wait() async {
        let (signals, continuation) = AsyncStream<Void>.makeStream()
        let sources = [SIGINT, SIGTERM].map { sig -> any DispatchSourceSignal in
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { continuation.yield() }
            source.resume()
            return source
        }
        for await _ in signals { break }
        for source in sources { source.cancel() }
    }
}
