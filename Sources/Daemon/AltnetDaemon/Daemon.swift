import AltLogic
import AltnetConfig
import AltnetControl
import Altstack
import BitcoinPrimitives
import BitcoindRPC
import DriverProtocol
import Foundation
import HTTPService
import Logging
import Secp256k1
import ServiceLifecycle
import Watchdog
#if canImport(Glibc)
import Glibc
#endif

/// altnetd: the watchdog daemon beside bitcoind. Builds the graph from the settings and runs it
/// as one `ServiceGroup` until SIGTERM/SIGINT or the control method `stop`.
///
/// ```
///  start: datadir (0700) -> lock -> node key -> metrics -> RPC client -> Altstack -> watchdog
///         -> emergency queue (DIR/emergency.sqlite) -> control socket + cookie -> metrics endpoint
///         -> ServiceGroup.run (the emergency service resumes the queue)
///  stop:  control, metrics, emergency, watchdog, Altstack (drivers told to shut down, then killed), pumps
///         -> cookie and socket removed
/// ```
public enum Daemon {
    /// Where the daemon's inputs come from.
    public struct Options: Sendable {
        /// The data directory (created if absent).
        public var dataDir: String
        /// The configuration file; nil means `DIR/altnet.conf` when it exists.
        public var configFile: String?
        /// Flags that override the file (``ConfigFile/init(flags:sectionFlags:)``).
        public var flags: [String]
        /// Where the `altnet-driver-*` executables are.
        public var driverDirectory: String

        public init(dataDir: String, configFile: String? = nil, flags: [String] = [], driverDirectory: String) {
            self.dataDir = dataDir
            self.configFile = configFile
            self.flags = flags
            self.driverDirectory = driverDirectory
        }
    }

    /// The configuration file's text (or none) with the flags applied, checked.
    /// - Throws: ``DaemonError`` (`.config`) with the file, line and problem.
    public static func settings(_ options: Options) throws(DaemonError) -> DaemonSettings {
        try configure(options).settings
    }

    /// The settings, and what was read from bitcoind's bitcoin.conf when there is no altnet.conf
    /// (zero-config start: ``BitcoindDiscovery``; flags still override what it found).
    /// - Throws: ``DaemonError`` (`.config`) with the file, line and problem.
    static func configure(_ options: Options) throws(DaemonError) -> (settings: DaemonSettings, discovery: BitcoindDiscovery?) {
        let path = options.configFile ?? options.dataDir + "/altnet.conf"
        var text = ""
        let haveFile = FileManager.default.fileExists(atPath: path)
        if haveFile {
            guard let contents = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw DaemonError(.config, "cannot read \(path)")
            }
            text = contents
        } else if options.configFile != nil {
            throw DaemonError(.config, "configuration file \(path) not found")
        }
        var file: ConfigFile
        do { file = try ConfigFile(parsing: text) } catch { throw DaemonError(.config, "\(path): \(error)") }
        let flags: ConfigFile
        do {
            flags = try ConfigFile(flags: options.flags, sectionFlags: Set(DaemonSettings.driverSections))
        } catch {
            throw DaemonError(.config, "command line: \(error)".replacingOccurrences(of: "line ", with: "argument "))
        }
        for entry in flags.entries {
            // A [driver.NAME] instance's secrets are refused as flags as its built-in section's are.
            let section = DriverName.of(section: entry.section) != nil ? "rpc" : entry.section
            if let secret = DaemonSettings.secretFlags.first(where: { $0.section == section && $0.key == entry.key }) {
                throw DaemonError(.config, "--\(entry.section).\(entry.key) would show the secret to every local user (ps): use \(secret.instead)")
            }
        }
        var discovery: BitcoindDiscovery?
        if !haveFile {
            let found = try discover(flags: flags)
            file = found.file
            discovery = found.discovery.overridden(by: Set(flags.entries.map { $0.section.isEmpty ? $0.key : "\($0.section).\($0.key)" }))
        }
        do {
            return (try DaemonSettings(file.overridden(by: flags)), discovery)
        } catch {
            throw DaemonError(.config, "\(path): \(error)")
        }
    }

    /// Reads bitcoind's bitcoin.conf (`[bitcoind] datadir`, default ~/.bitcoin; `[bitcoind] conf`,
    /// default DATADIR/bitcoin.conf, relative paths under DATADIR as Core resolves -conf).
    static func discover(flags: ConfigFile) throws(DaemonError) -> (file: ConfigFile, discovery: BitcoindDiscovery) {
        let dataDir = flags.value("datadir", in: "bitcoind") ?? NSHomeDirectory() + "/.bitcoin"
        let confName = flags.value("conf", in: "bitcoind") ?? "bitcoin.conf"
        let confPath = confName.hasPrefix("/") ? confName : dataDir + "/" + confName
        let confText = try? String(contentsOfFile: confPath, encoding: .utf8)
        let chosen = flags.value("network").flatMap(DaemonSettings.network(named:))
        do {
            let discovery = try BitcoindDiscovery.discover(confText: confText, confPath: confPath, dataDir: dataDir, network: chosen,
                                                           fileExists: { FileManager.default.fileExists(atPath: $0) })
            return (try ConfigFile(flags: discovery.flags, sectionFlags: []), discovery)
        } catch {
            throw DaemonError(.config, "\(confPath): \(error)")
        }
    }

    /// Runs altnetd until it is told to stop.
    /// - Parameters:
    ///   - options: data directory, configuration, flags.
    ///   - logger: the root logger.
    /// - Throws: ``DaemonError`` when it cannot start; service errors when one fails.
    public static func run(_ options: Options, logger: Logger) async throws {
        umask(0o077)
        let dir = options.dataDir
        try makeDirectory(dir)
        let (settings, discovery) = try Self.configure(options)
        let lock = try DataDirLock(dataDir: dir)
        if let discovery {
            logger.notice("\(discovery.summary)")
            for item in discovery.missing { logger.warning("\(item.text)") }
        }
        defer { withExtendedLifetime(lock) {} }

        // One node key per instance that signs (each Lightning driver): DIR/NAME/node_key.
        var nodeKeys: [String: PrivateKey] = [:]
        for section in settings.drivers where section.nodeKey {
            try makeDirectory(dir + "/" + section.name)
            nodeKeys[section.name] = try NodeKeyFile.loadOrCreate(at: dir + "/" + section.name + "/" + NodeKeyFile.fileName)
        }
        let nodeIDs = nodeKeys.mapValues { $0.publicKey.serialized(compressed: true).hex }
        for (name, nodeID) in nodeIDs.sorted(by: { $0.key < $1.key }) { logger.info("driver \(name): lightning node id \(nodeID)") }

        let metrics = DaemonMetrics()
        var rpcConfig = BitcoindRPCClient.Configuration(
            host: settings.rpcHost, port: settings.rpcPort,
            credentials: settings.rpcUser.map { .userPassword(user: $0, password: settings.rpcPassword ?? "") }
                ?? .cookieFile(settings.rpcCookieFile ?? ""))
        rpcConfig.requestTimeout = .milliseconds(Int64(settings.rpcTimeoutSeconds * 1000))
        let bitcoind = BitcoindRPCClient(rpcConfig, logger: logger.with(label: "bitcoind"))

        let drivers = DriverConfigs.make(settings: settings, dataDir: dir, executableDirectory: options.driverDirectory,
                                         nodeIDs: nodeIDs)
        for driver in drivers {
            try makeDirectory(driver.dataDir)
            guard FileManager.default.isExecutableFile(atPath: driver.executable) else {
                let section = settings.drivers.contains { $0.name == driver.name && $0.command == nil } ? driver.name : "driver.\(driver.name)"
                throw DaemonError(.config, "[\(section)] needs \(driver.executable), which is not there or not executable")
            }
        }
        let altstack = Altstack(drivers: drivers, logger: logger.with(label: "altstack"),
                                coreHandler: NodeKeySigner(keys: nodeKeys).handler)

        var watchdogConfig = WatchdogConfig()
        watchdogConfig.targetSpacing = Double(settings.chain.powTargetSpacing)
        watchdogConfig.staleTipSeconds = settings.staleTipSeconds
        watchdogConfig.pollSeconds = settings.pollSeconds
        watchdogConfig.zmqEnabled = settings.zmqEndpoint != nil
        let (feed, feedInput) = AsyncStream.makeStream(of: FeedEvent.self, bufferingPolicy: .bufferingNewest(4096))
        let (newBlocks, newBlockInput) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let (emergencyBlocks, emergencyBlockInput) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let board = AnomalyBoard()
        let watchdog = WatchdogService(config: watchdogConfig, observer: RPCChainObserver(rpc: bitcoind),
                                       feed: settings.zmqEndpoint == nil ? nil : feed, board: board)

        // The queue is opened before the control socket: sendemergencytx is answered only once
        // the transaction is in this file.
        let emergency = try EmergencyWiring.make(
            dataDir: dir, altstack: altstack, bitcoind: bitcoind,
            retryInterval: .milliseconds(Int64(settings.emergencyRetrySeconds * 1000)), logger: logger.with(label: "emergency"))

        let trigger = ShutdownTrigger()
        let logic = LogicWiring(altstack: altstack, bitcoind: bitcoind, settings: settings, board: board,
                                anomalies: await board.subscribe(), newBlocks: newBlocks, feedTick: newBlockInput, logger: logger)
        let zmqActivity = ZMQActivity()
        let methods = ControlMethods(settings: settings, altstack: altstack, bitcoind: bitcoind, board: board,
                                     nodeIDs: nodeIDs, logic: logic.hooks, emergency: emergency,
                                     zmq: zmqActivity, dataDir: dir, stop: { trigger.fire() })
        let cookie = CookieFile(path: dir + "/" + CookieFile.fileName)
        let server = ControlServer(cookie: cookie, logger: logger.with(label: "control"), dispatch: methods.dispatch)
        let socketPath = dir + "/" + ControlClient.socketName
        let control: HTTPServer
        do {
            control = try await HTTPServer(address: .unix(path: socketPath), logger: logger) { await server.handle($0) }
        } catch {
            throw DaemonError(.bind, "cannot listen on \(socketPath): \(error)")
        }
        defer { unlink(socketPath) }
        try cookie.writeOrThrow()
        defer { cookie.delete() }
        var metricsEndpoint: HTTPServer?
        if let address = settings.metrics {
            do {
                metricsEndpoint = try await HTTPServer(address: .tcp(host: address.host, port: address.port), logger: logger) {
                    request in
                    // `/` is the status page (docs/altnetd.md, "Status page"); the rest is Prometheus.
                    if request.method == .GET, request.uri == "/" || request.uri.hasPrefix("/?") {
                        return await methods.statusResponse()
                    }
                    // Queue depths are read at scrape time: the event pump may be the one that is stuck.
                    metrics.record(drivers: altstack.snapshot())
                    return metrics.respond(request)
                }
            } catch {
                await control.shutdown()
                throw DaemonError(.bind, "cannot serve metrics on \(address) ([control] metrics=, empty disables): \(error)")
            }
            logger.info("metrics on http://\(metricsEndpoint?.boundAddress.description ?? "")/metrics, status page on /")
        }

        let changes = await board.subscribe()
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            // With no driver configured the Altstack (and so the event pump) ends at once: not a
            // reason to stop the daemon.
            .init(service: EventPump(altstack: altstack, metrics: metrics, logger: logger, onMessage: logic.onMessage),
                  successTerminationBehavior: .ignore, serviceName: "events"),
            .init(service: altstack, successTerminationBehavior: .ignore, serviceName: "altstack"),
            // Ends when the watchdog closes its board, which may come first in a shutdown.
            .init(service: AnomalyPump(changes: changes, board: board, metrics: metrics, logger: logger),
                  successTerminationBehavior: .ignore, serviceName: "anomalies"),
        ]
        if let endpoint = settings.zmqEndpoint {
            services.append(.init(service: ZMQFeed(endpoint: endpoint, feed: feedInput, newBlocks: [newBlockInput, emergencyBlockInput],
                                                  activity: zmqActivity, logger: logger),
                                  successTerminationBehavior: .ignore, serviceName: "zmq"))
        }
        services.append(.init(service: watchdog, serviceName: "watchdog"))
        services += logic.services
        services.append(.init(service: EmergencyService(broadcaster: emergency, newBlocks: emergencyBlocks), serviceName: "emergency"))
        if let metricsEndpoint { services.append(.init(service: metricsEndpoint, serviceName: "metrics")) }
        services.append(.init(service: control, serviceName: "control"))

        var groupConfig = ServiceGroupConfiguration(services: services, gracefulShutdownSignals: [.sigterm, .sigint],
                                                    logger: logger.with(label: "lifecycle"))
        groupConfig.maximumGracefulShutdownDuration = .seconds(30)
        let group = ServiceGroup(configuration: groupConfig)
        trigger.set(group)
        logger.info("altnetd started: network \(settings.network.rawValue), drivers [\(drivers.map(\.name).joined(separator: ", "))], control \(socketPath)")
        try await group.run()
        await bitcoind.close()
        logger.info("altnetd stopped")
    }

    /// Creates a directory (mode 0700) and its parents if absent.
    static func makeDirectory(_ path: String) throws(DaemonError) {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw DaemonError(.dataDir, "cannot create \(path): \(error.localizedDescription)")
        }
    }
}

extension CookieFile {
    func writeOrThrow() throws(DaemonError) {
        do throws(CookieFileError) { try write() } catch { throw DaemonError(.dataDir, error.description) }
    }
}

extension Logger {
    /// A logger with the same handler level under another label.
    func with(label: String) -> Logger {
        var logger = Logger(label: "altnet.\(label)")
        logger.logLevel = logLevel
        return logger
    }
}

/// Lets the control method `stop` trigger the group's graceful shutdown.
final class ShutdownTrigger: Sendable {
    private let group = LockedBox<ServiceGroup?>(nil)

    func set(_ group: ServiceGroup) { self.group.set(group) }

    func fire() {
        guard let group = group.get() else { return }
        Task { await group.triggerGracefulShutdown() }
    }
}

/// A value behind a lock.
final class LockedBox<T: Sendable>: @unchecked Sendable {
    // @unchecked: `value` is only touched under `lock`.
    private let lock = NSLock()
    private var value: T

    init(_ value: T) { self.value = value }
    func get() -> T { lock.withLock { value } }
    func set(_ new: T) { lock.withLock { value = new } }
    /// Changes the value in place under the lock.
    func update(_ change: (inout T) -> Void) { lock.withLock { change(&value) } }
}
