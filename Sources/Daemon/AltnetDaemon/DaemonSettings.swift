import AltLogic
import AltnetConfig
import BitcoinPrimitives
import BitcoindRPC
import Foundation

/// altnetd's configuration, typed and checked: `altnet.conf` with the command-line flags applied.
///
/// Every key is documented in docs/altnetd.md. Unknown keys in the core's sections are errors (a
/// typo must not silently fall back to a default); a driver section's keys go to the driver as
/// `init` options, and the driver checks them.
public struct DaemonSettings: Sendable, Equatable {
    /// The driver sections altnetd knows, in start order; each runs `altnet-driver-<name>`.
    public static let driverSections = ["bip324", "lightning", "rpc", "esplora", "cln"]
    /// Keys each core section accepts.
    static let knownKeys: [String: Set<String>] = [
        "": ["network"],
        "bitcoind": ["rpcconnect", "rpccookiefile", "rpcuser", "rpcpassword", "rpcpasswordfile", "zmqpub", "rpctimeoutseconds",
                     "datadir", "conf"],
        "watchdog": ["staletipseconds", "crosscheckseconds", "pollseconds", "quorum", "peersperdriver", "minchainwork", "maxforkdepth"],
        "control": ["metrics", "loglevel", "emergencyretryseconds", "emergencyconfirmations"],
        "serving": ["peerrequestspersecond", "peerbytespersecond", "driverrequestspersecond", "driverbytespersecond",
                    "maxconcurrent", "headercache", "peerqueue"],
    ]

    public var network: Network
    public var chain: ChainParams { Self.params(network) }
    /// bitcoind's RPC host and port.
    public var rpcHost: String
    public var rpcPort: Int
    /// Cookie file path, or nil when user and password are set.
    public var rpcCookieFile: String?
    public var rpcUser: String?
    public var rpcPassword: String?
    public var rpcTimeoutSeconds: Double
    /// bitcoind's ZMQ publisher (hashblock/sequence), or nil for none.
    public var zmqEndpoint: String?
    public var staleTipSeconds: Double
    public var crossCheckSeconds: Double
    public var pollSeconds: Double
    /// Independent "nothing better" answers a rescue needs to conclude `no-better-chain`.
    public var quorum: Int
    /// Peers asked per driver in a rescue's fan-out.
    public var peersPerDriver: Int
    /// `minchainwork` (as bitcoind's `-minimumchainwork`), or nil for the network's.
    public var minimumChainWork: UInt256?
    /// Forks deeper than this below bitcoind's tip are presynced before they are stored.
    public var maxForkDepth: Int
    /// The Prometheus endpoint (host, port), or nil when disabled.
    public var metrics: HostPort?
    /// swift-log level name.
    public var logLevel: String
    /// The emergency queue's tick and first re-broadcast backoff, in seconds.
    public var emergencyRetrySeconds: Double
    /// The depth in bitcoind's chain at which an emergency transaction is done (default 1).
    public var emergencyConfirmations: Int
    /// Each enabled driver section with its keys (every value, in order), in start order.
    public var drivers: [DriverSection]
    /// `[serving]`: what answering other nodes' peers may cost (docs/altnetd.md).
    public var serving = ServingLimits()

    public static func == (a: Self, b: Self) -> Bool {
        a.network == b.network && a.rpcHost == b.rpcHost && a.rpcPort == b.rpcPort && a.rpcCookieFile == b.rpcCookieFile
            && a.rpcUser == b.rpcUser && a.rpcPassword == b.rpcPassword && a.zmqEndpoint == b.zmqEndpoint
            && a.staleTipSeconds == b.staleTipSeconds && a.crossCheckSeconds == b.crossCheckSeconds
            && a.pollSeconds == b.pollSeconds && a.metrics == b.metrics && a.logLevel == b.logLevel
            && a.drivers == b.drivers && a.rpcTimeoutSeconds == b.rpcTimeoutSeconds
            && a.emergencyRetrySeconds == b.emergencyRetrySeconds
            && a.emergencyConfirmations == b.emergencyConfirmations && a.quorum == b.quorum
            && a.peersPerDriver == b.peersPerDriver && a.minimumChainWork == b.minimumChainWork && a.maxForkDepth == b.maxForkDepth
            && a.serving == b.serving
    }

    /// A host and port (BitcoinPrimitives' one parser and type).
    public typealias HostPort = BitcoinPrimitives.HostPort

    /// One driver instance: a built-in section (`[bip324]`, `[lightning]`, `[rpc]`) or a
    /// `[driver.NAME]` section.
    public struct DriverSection: Sendable, Equatable {
        /// The instance name (``DriverName``): its data directory, metrics label and log field.
        public var name: String
        /// `command=` split into words (``CommandWords``): the executable and its arguments; nil for a
        /// built-in section, which runs `altnet-driver-<name>` from altnetd's driver directory.
        public var command: [String]?
        /// The driver's own keys (its `init` options) in file order of first appearance, each with
        /// all its values; the core's keys (``coreKeys``) are not among them.
        public var keys: [(key: String, values: [String])]
        /// The core keeps a node key for this instance (`DIR/NAME/node_key`), gives the driver its
        /// public key as the `node_id` option and answers its `signer.ecdh`: a Lightning driver.
        public var nodeKey: Bool

        /// Keys of a `[driver.NAME]` section that are the core's, not the driver's options.
        public static let coreKeys: Set<String> = ["command", "nodekey"]

        public init(name: String, command: [String]? = nil, keys: [(key: String, values: [String])] = [], nodeKey: Bool? = nil) {
            self.name = name
            self.command = command
            self.keys = keys
            self.nodeKey = nodeKey ?? (Self.kind(name: name, command: command) == "lightning")
        }

        /// Which altnet driver this runs: `X` for a built-in `[X]` or a command whose executable is
        /// `altnet-driver-X`; nil for any other program. Built-in defaults follow the kind (the
        /// RPC driver's bitcoind credentials, the Lightning driver's node key).
        public var kind: String? { Self.kind(name: name, command: command) }

        static func kind(name: String, command: [String]?) -> String? {
            guard let command else { return name }
            let base = command[0].split(separator: "/").last.map(String.init) ?? command[0]
            return base.hasPrefix("altnet-driver-") ? String(base.dropFirst("altnet-driver-".count)) : nil
        }

        public static func == (a: Self, b: Self) -> Bool {
            a.name == b.name && a.command == b.command && a.nodeKey == b.nodeKey
                && a.keys.map(\.key) == b.keys.map(\.key) && a.keys.map(\.values) == b.keys.map(\.values)
        }

        /// The last value of `key`.
        public func value(_ key: String) -> String? { keys.first { $0.key == key }?.values.last }
    }

    /// Reads settings from a parsed configuration.
    /// - Parameters:
    ///   - config: the file with flags applied.
    ///   - bitcoindDataDir: where a default cookie is looked for (`~/.bitcoin`).
    /// - Throws: ``ConfigError`` naming the key and line.
    public init(_ config: ConfigFile, bitcoindDataDir: String = NSHomeDirectory() + "/.bitcoin") throws(ConfigError) {
        for (section, known) in Self.knownKeys {
            if let bad = config.unknownKeys(in: section, known: known).first {
                throw ConfigError(line: bad.line, problem: .unknownKey(section: section, key: bad.key))
            }
        }
        let allowed = Set(Self.knownKeys.keys).union(Self.driverSections)
        if let stray = config.entries.first(where: { !allowed.contains($0.section) && DriverName.of(section: $0.section) == nil }) {
            throw ConfigError(line: stray.line, problem: .unknownKey(section: stray.section, key: stray.key))
        }
        func line(_ key: String, _ section: String) -> Int {
            config.entries.last { $0.section == section && $0.key == key }?.line ?? 0
        }
        func number(_ key: String, _ section: String, default value: Double, min: Double = 0) throws(ConfigError) -> Double {
            guard let text = config.value(key, in: section) else { return value }
            guard let parsed = Double(text), parsed >= min, parsed.isFinite else {
                throw ConfigError(line: line(key, section), problem: .invalidValue(key: key, value: text, expected: "a number >= \(min)"))
            }
            return parsed
        }

        let networkText = config.value("network") ?? "main"
        guard let network = Self.network(named: networkText) else {
            throw ConfigError(line: line("network", ""), problem: .invalidValue(
                key: "network", value: networkText, expected: "main, testnet3, testnet4, signet or regtest"))
        }
        self.network = network
        let params = Self.params(network)

        let rpcconnect = config.value("rpcconnect", in: "bitcoind") ?? "127.0.0.1:\(params.defaultRPCPort)"
        guard let rpc = Self.hostPort(rpcconnect, defaultPort: Int(params.defaultRPCPort)) else {
            throw ConfigError(line: line("rpcconnect", "bitcoind"), problem: .invalidValue(key: "rpcconnect", value: rpcconnect, expected: "HOST:PORT"))
        }
        rpcHost = rpc.host
        rpcPort = rpc.port
        rpcUser = config.value("rpcuser", in: "bitcoind")
        rpcPassword = try Self.password(config, section: "bitcoind", line: line("rpcpasswordfile", "bitcoind"))
        if (rpcUser == nil) != (rpcPassword == nil) {
            throw ConfigError(line: max(line("rpcuser", "bitcoind"), line("rpcpassword", "bitcoind")), problem: .invalidValue(
                key: "rpcuser/rpcpassword", value: "only one set", expected: "both or neither"))
        }
        if let cookie = config.value("rpccookiefile", in: "bitcoind") {
            rpcCookieFile = cookie
        } else if rpcUser == nil {
            let base = config.value("datadir", in: "bitcoind") ?? bitcoindDataDir
            rpcCookieFile = base + (Self.networkSubdirectory(network).map { "/\($0)" } ?? "") + "/.cookie"
        } else {
            rpcCookieFile = nil
        }
        rpcTimeoutSeconds = try number("rpctimeoutseconds", "bitcoind", default: 30, min: 1)
        let zmq = config.value("zmqpub", in: "bitcoind") ?? ""
        zmqEndpoint = zmq.isEmpty ? nil : zmq

        staleTipSeconds = try number("staletipseconds", "watchdog", default: 0)
        crossCheckSeconds = try number("crosscheckseconds", "watchdog", default: 600, min: 1)
        pollSeconds = try number("pollseconds", "watchdog", default: 10, min: 0.05)
        quorum = Int(try number("quorum", "watchdog", default: 2, min: 1))
        peersPerDriver = Int(try number("peersperdriver", "watchdog", default: 4, min: 1))
        maxForkDepth = Int(try number("maxforkdepth", "watchdog", default: 2_016, min: 1))
        if let text = config.value("minchainwork", in: "watchdog") {
            // Hex, as bitcoind's -minimumchainwork (an optional 0x).
            let digits = text.hasPrefix("0x") ? String(text.dropFirst(2)) : text
            guard !digits.isEmpty, digits.count <= 64, let work = try? UInt256(bigEndianHex: String(repeating: "0", count: 64 - digits.count) + digits) else {
                throw ConfigError(line: line("minchainwork", "watchdog"), problem: .invalidValue(
                    key: "minchainwork", value: text, expected: "hex chain work, at most 64 digits (as bitcoind's -minimumchainwork)"))
            }
            minimumChainWork = work
        } else {
            minimumChainWork = nil
        }

        let metricsText = config.value("metrics", in: "control") ?? "127.0.0.1:9334"
        if metricsText.isEmpty {
            metrics = nil
        } else {
            guard let endpoint = Self.hostPort(metricsText, defaultPort: 9334) else {
                throw ConfigError(line: line("metrics", "control"), problem: .invalidValue(key: "metrics", value: metricsText, expected: "HOST:PORT or empty"))
            }
            metrics = endpoint
        }
        logLevel = config.value("loglevel", in: "control") ?? "info"
        emergencyRetrySeconds = try number("emergencyretryseconds", "control", default: 30, min: 0.05)
        emergencyConfirmations = Int(try number("emergencyconfirmations", "control", default: 1, min: 1))
        let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
        guard levels.contains(logLevel) else {
            throw ConfigError(line: line("loglevel", "control"), problem: .invalidValue(key: "loglevel", value: logLevel, expected: levels.joined(separator: ", ")))
        }

        let servingDefaults = ServingLimits()
        serving = ServingLimits(
            peerRequestsPerSecond: try number("peerrequestspersecond", "serving", default: servingDefaults.peerRequestsPerSecond, min: 0.01),
            peerBytesPerSecond: try number("peerbytespersecond", "serving", default: servingDefaults.peerBytesPerSecond, min: 1),
            driverRequestsPerSecond: try number("driverrequestspersecond", "serving", default: servingDefaults.driverRequestsPerSecond, min: 0.01),
            driverBytesPerSecond: try number("driverbytespersecond", "serving", default: servingDefaults.driverBytesPerSecond, min: 1),
            maxConcurrent: Int(try number("maxconcurrent", "serving", default: Double(servingDefaults.maxConcurrent), min: 1)),
            headerCacheEntries: Int(try number("headercache", "serving", default: Double(servingDefaults.headerCacheEntries), min: 0)),
            maxWaitingPerPeer: Int(try number("peerqueue", "serving", default: Double(servingDefaults.maxWaitingPerPeer), min: 0)))

        drivers = try Self.driverSections(config)
        // rpcpasswordfile: an RPC driver instance gets the password in `init` (its stdin), never in argv.
        for index in drivers.indices where drivers[index].kind == "rpc" && drivers[index].value("rpcpasswordfile") != nil {
            let section = drivers[index].command == nil ? drivers[index].name : DriverName.sectionPrefix + drivers[index].name
            let password = try Self.password(config, section: section, line: line("rpcpasswordfile", section))
            drivers[index].keys.removeAll { $0.key == "rpcpasswordfile" || $0.key == "rpcpassword" }
            if let password { drivers[index].keys.append((key: "rpcpassword", values: [password])) }
        }
    }

    /// The driver instances: the built-in sections present (bip324, lightning, rpc, esplora), then each
    /// `[driver.NAME]` in file order.
    /// - Throws: ``ConfigError`` for a bad or repeated name, or a missing or unsplittable `command=`.
    static func driverSections(_ config: ConfigFile) throws(ConfigError) -> [DriverSection] {
        func keys(of section: String) -> [(key: String, values: [String])] {
            var keys: [(key: String, values: [String])] = []
            for entry in config.entries where entry.section == section && !(section.hasPrefix(DriverName.sectionPrefix) && DriverSection.coreKeys.contains(entry.key))
                && !keys.contains(where: { $0.key == entry.key }) {
                keys.append((entry.key, config.values(entry.key, in: section)))
            }
            return keys
        }
        var drivers = driverSections.filter(config.hasSection).map { DriverSection(name: $0, keys: keys(of: $0)) }
        for section in config.sections {
            guard let name = DriverName.of(section: section) else { continue }
            let line = config.entries.first { $0.section == section }?.line ?? 0
            guard DriverName.isValid(name) else { throw ConfigError(line: line, problem: .badDriverName(name)) }
            guard !drivers.contains(where: { $0.name == name }) else { throw ConfigError(line: line, problem: .duplicateDriver(name)) }
            let commands = config.entries.filter { $0.section == section && $0.key == "command" }
            guard let command = commands.first else {
                throw ConfigError(line: line, problem: .badCommand(driver: name, problem: "missing: which executable runs this driver?"))
            }
            guard commands.count == 1 else {
                throw ConfigError(line: commands[1].line, problem: .badCommand(driver: name, problem: "given \(commands.count) times"))
            }
            let words: [String]
            do {
                words = try CommandWords.split(command.value)
            } catch {
                throw ConfigError(line: command.line, problem: .badCommand(driver: name, problem: error.description))
            }
            var nodeKey: Bool?
            if let text = config.value("nodekey", in: section) {
                switch text {
                case "1", "true": nodeKey = true
                case "0", "false": nodeKey = false
                default:
                    let at = config.entries.last { $0.section == section && $0.key == "nodekey" }?.line ?? line
                    throw ConfigError(line: at, problem: .invalidValue(key: "nodekey", value: text, expected: "1 or 0"))
                }
            }
            drivers.append(DriverSection(name: name, command: words, keys: keys(of: section), nodeKey: nodeKey))
        }
        return drivers
    }

    /// Flags that would put a secret in every local user's `ps`, with what to use instead.
    public static let secretFlags: [(section: String, key: String, instead: String)] = [
        ("bitcoind", "rpcpassword", "--bitcoind.rpcpasswordfile=FILE (or rpcpassword= in altnet.conf, mode 0600)"),
        ("rpc", "rpcpassword", "--rpc.rpcpasswordfile=FILE (or rpcpassword= under [rpc] in altnet.conf, mode 0600)"),
        ("rpc", "rpcauth", "rpcauth= under [rpc] in altnet.conf (mode 0600)"),
    ]

    /// `rpcpassword`, or the first line of the file `rpcpasswordfile` names (as bitcoind's
    /// `-rpccookiefile`: the secret stays out of argv); both at once is an error.
    static func password(_ config: ConfigFile, section: String, line: Int) throws(ConfigError) -> String? {
        let inline = config.value("rpcpassword", in: section)
        guard let path = config.value("rpcpasswordfile", in: section) else { return inline }
        guard inline == nil else {
            throw ConfigError(line: line, problem: .invalidValue(key: "rpcpasswordfile", value: path, expected: "rpcpassword or rpcpasswordfile, not both"))
        }
        guard let first = PasswordFile.read(path) else {
            throw ConfigError(line: line, problem: .invalidValue(key: "rpcpasswordfile", value: path, expected: "a readable file whose first line is the password"))
        }
        return first
    }

    /// Parses `HOST:PORT`, `[IPv6]:PORT` or a bare host (with `defaultPort`); port 0 allowed (a
    /// listening address lets the OS pick).
    static func hostPort(_ text: String, defaultPort: Int) -> HostPort? {
        try? HostPort(parsing: text, defaultPort: defaultPort, ports: 0...65_535)
    }

    /// The network for a name (`mainnet`/`main`, `testnet`/`testnet3`, `testnet4`, `signet`, `regtest`).
    static func network(named name: String) -> Network? {
        switch name {
        case "main", "mainnet": .main
        case "test", "testnet", "testnet3": .testnet3
        default: Network(rawValue: name)
        }
    }

    /// Consensus parameters per network.
    static func params(_ network: Network) -> ChainParams {
        switch network {
        case .main: .main
        case .testnet3: .testnet3
        case .testnet4: .testnet4
        case .signet: .signet
        case .regtest: .regtest
        }
    }

    /// bitcoind's per-network data subdirectory (Core's chainparamsbase.cpp).
    static func networkSubdirectory(_ network: Network) -> String? {
        switch network {
        case .main: nil
        case .testnet3: "testnet3"
        case .testnet4: "testnet4"
        case .signet: "signet"
        case .regtest: "regtest"
        }
    }
}
