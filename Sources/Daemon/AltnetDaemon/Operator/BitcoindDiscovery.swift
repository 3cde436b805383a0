import AltnetConfig
import BitcoinPrimitives
import Foundation

/// Zero-config start: with no altnet.conf, altnetd reads bitcoind's own bitcoin.conf and turns
/// what it finds into altnet settings (as flags, so the user's real flags still override them).
///
/// Core's rules, followed here (src/common/args.cpp, src/init.cpp, src/chainparamsbase.cpp):
/// - the network comes from `chain=` or one of `regtest=1`, `testnet=1`, `testnet4=1`, `signet=1`;
/// - `[main]`, `[test]`, `[testnet4]`, `[signet]`, `[regtest]` sections (or `regtest.key=`) apply to
///   that network and win over top-level lines; `rpcport` is network-only (top-level `rpcport` is
///   ignored off main, Core's `ArgsManager::NETWORK_ONLY`);
/// - the cookie is `<datadir>[/<network dir>]/.cookie`, or `rpccookiefile=` (relative to that
///   network directory); `rpcuser`/`rpcpassword` replace it; `rpcauth=` users keep the cookie;
/// - `zmqpubhashblock=` / `zmqpubsequence=` give the ZMQ address (a bind address such as
///   `0.0.0.0` is reached on loopback).
///
/// Pure: the text and a file-exists probe in, settings and explanations out.
struct BitcoindDiscovery: Sendable, Equatable {
    /// The bitcoin.conf read (or looked for).
    var confPath: String
    /// Settings as altnetd flags (`--network=regtest`, `--bitcoind.rpcconnect=...`).
    var flags: [String]
    /// What was found and chosen, each with where it came from, for the one log line.
    var choices: [Item]
    /// What could not be found: each says what to add, with the exact bitcoin.conf lines.
    var missing: [Item]

    /// One finding, under the altnet key it sets (`network`, `bitcoind.zmqpub`, ...).
    struct Item: Sendable, Equatable {
        var key: String
        var text: String
    }

    /// The one log line: every choice, by name.
    var summary: String {
        "no altnet.conf: read bitcoind's \(confPath): " + choices.map(\.text).joined(separator: "; ")
    }

    /// This discovery once command-line flags have set `keys` (`section.key`): their choices say
    /// so and nothing is asked for them.
    func overridden(by keys: Set<String>) -> BitcoindDiscovery {
        var copy = self
        copy.choices = choices.map { keys.contains($0.key) ? Item(key: $0.key, text: "\($0.key) from the command line") : $0 }
        copy.missing = missing.filter { !keys.contains($0.key) }
        return copy
    }

    /// Section names in bitcoin.conf per network (src/chainparamsbase.cpp, ChainTypeToString).
    static func sectionName(_ network: Network) -> String {
        switch network {
        case .main: "main"
        case .testnet3: "test"
        case .testnet4: "testnet4"
        case .signet: "signet"
        case .regtest: "regtest"
        }
    }

    /// - Parameters:
    ///   - confText: bitcoin.conf's text, nil when the file does not exist.
    ///   - confPath: its path (for messages).
    ///   - dataDir: bitcoind's data directory (the cookie's base).
    ///   - network: a network the user chose with a flag, which wins over bitcoin.conf's.
    ///   - fileExists: probes whether the cookie is there yet.
    /// - Throws: ``ConfigError`` when bitcoin.conf cannot be parsed.
    static func discover(confText: String?, confPath: String, dataDir: String, network chosen: Network?,
                         fileExists: (String) -> Bool) throws(ConfigError) -> BitcoindDiscovery {
        let conf = try ConfigFile(parsing: confText ?? "")
        var choices: [Item] = []
        var missing: [Item] = []
        if confText == nil { choices.append(Item(key: "bitcoind.conf", text: "no bitcoin.conf there, so bitcoind's defaults")) }

        // Network.
        let network: Network
        if let chosen {
            network = chosen
            choices.append(Item(key: "network", text: "network \(chosen.rawValue) (flag)"))
        } else if let chain = conf.value("chain"), let named = DaemonSettings.network(named: chain == "test" ? "testnet3" : chain) {
            network = named
            choices.append(Item(key: "network", text: "network \(named.rawValue) (chain=\(chain))"))
        } else if let flag = [("regtest", Network.regtest), ("testnet4", .testnet4), ("signet", .signet), ("testnet", .testnet3)]
            .first(where: { conf.value($0.0) == "1" }) {
            network = flag.1
            choices.append(Item(key: "network", text: "network \(flag.1.rawValue) (\(flag.0)=1)"))
        } else {
            network = .main
            choices.append(Item(key: "network", text: "network main (no chain= line)"))
        }
        let section = sectionName(network)
        /// The value for the network: its section first, then the top level (unless network-only).
        func value(_ key: String, networkOnly: Bool = false) -> (value: String, source: String)? {
            if let v = conf.value(key, in: section) { return (v, "[\(section)] \(key)") }
            if networkOnly && network != .main { return nil }
            return conf.value(key).map { ($0, key) }
        }
        var flags = ["--network=\(network.rawValue)"]
        let params = DaemonSettings.params(network)

        // RPC address.
        var host = "127.0.0.1"
        var port = Int(params.defaultRPCPort)
        var portSource = "\(network.rawValue)'s default port"
        if let connect = value("rpcconnect"), let parsed = DaemonSettings.hostPort(connect.value, defaultPort: port) {
            host = parsed.host
            let explicitPort = connect.value.hasPrefix("[") ? connect.value.contains("]:") : connect.value.contains(":")
            if explicitPort {
                port = parsed.port
                portSource = connect.source
            }
        }
        if let rpcport = value("rpcport", networkOnly: true), let p = Int(rpcport.value) {
            port = p
            portSource = rpcport.source
        }
        let endpoint = DaemonSettings.HostPort(host: host, port: port)
        flags.append("--bitcoind.rpcconnect=\(endpoint)")
        choices.append(Item(key: "bitcoind.rpcconnect", text: "rpc \(endpoint) (\(portSource))"))

        // Credentials.
        let netDir = dataDir + (DaemonSettings.networkSubdirectory(network).map { "/\($0)" } ?? "")
        if let user = value("rpcuser"), let password = value("rpcpassword") {
            flags += ["--bitcoind.rpcuser=\(user.value)", "--bitcoind.rpcpassword=\(password.value)"]
            choices.append(Item(key: "bitcoind.rpcuser", text: "rpcuser \(user.value) with its rpcpassword (\(user.source))"))
        } else {
            var cookie = netDir + "/.cookie"
            var source = "default"
            if let custom = value("rpccookiefile") {
                cookie = custom.value.hasPrefix("/") ? custom.value : netDir + "/" + custom.value
                source = custom.source
            }
            flags.append("--bitcoind.rpccookiefile=\(cookie)")
            let there = fileExists(cookie)
            choices.append(Item(key: "bitcoind.rpccookiefile", text: "cookie \(cookie) (\(source)\(there ? "" : "; not there yet: bitcoind writes it when it starts"))"))
            if value("rpcpassword") != nil {
                missing.append(Item(key: "bitcoind.rpcuser", text: """
                    \(confPath) sets rpcpassword without rpcuser, so bitcoind writes no cookie: add `rpcuser=NAME` \
                    to it, or give altnetd --bitcoind.rpcuser= and --bitcoind.rpcpassword=
                    """))
            }
        }

        // ZMQ.
        if let zmq = value("zmqpubhashblock") ?? value("zmqpubsequence") {
            let address = Doctor.connectable(zmq.value)
            flags.append("--bitcoind.zmqpub=\(address)")
            choices.append(Item(key: "bitcoind.zmqpub", text: "zmq \(address) (\(zmq.source))"))
        } else {
            choices.append(Item(key: "bitcoind.zmqpub", text: "zmq none"))
            missing.append(Item(key: "bitcoind.zmqpub", text: """
                bitcoind publishes no ZMQ block notifications, so altnetd only polls RPC and learns of blocks late. \
                Add these lines to \(confPath), restart bitcoind, then restart altnetd:
                    zmqpubhashblock=tcp://127.0.0.1:28332
                    zmqpubsequence=tcp://127.0.0.1:28332
                """))
        }

        // Pruning and v2transport, for the operator.
        if let prune = value("prune"), let n = Int(prune.value), n > 0 {
            choices.append(Item(key: "prune", text: "pruned (prune=\(n)): a Lightning node on this bitcoind needs `altnet-driver-rpc proxy` (docs/rpc-proxy.md)"))
        } else {
            choices.append(Item(key: "prune", text: "not pruned"))
        }
        if value("v2transport")?.value == "0" {
            missing.append(Item(key: "v2transport", text: """
                \(confPath) turns BIP324 off (v2transport=0): change that line to
                    v2transport=1
                """))
        }
        return BitcoindDiscovery(confPath: confPath, flags: flags, choices: choices, missing: missing)
    }
}
