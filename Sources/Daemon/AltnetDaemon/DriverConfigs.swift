import Altstack
import BitcoinPrimitives
import DriverProtocol
import Foundation
import JSON

/// Maps the driver instances of ``DaemonSettings`` (built-in sections and `[driver.NAME]`) onto
/// Altstack ``DriverConfig`` values.
public enum DriverConfigs {
    /// Keys that are lists even when given once (a driver's peers).
    static let listKeys: Set<String> = ["connect"]

    /// One config per driver instance, in start order (built-in sections first, then each
    /// `[driver.NAME]` in file order: that is also their routing priority).
    /// - Parameters:
    ///   - settings: the daemon's settings.
    ///   - dataDir: altnetd's data directory; each driver gets `dataDir/<name>`.
    ///   - executableDirectory: where the `altnet-driver-*` executables are (altnetd's own directory).
    ///   - nodeIDs: each node-key driver's public key (hex) by instance name, given as `node_id`.
    ///   - isExecutable: whether a path is an executable file (for a bare `command=` name).
    /// - Returns: the driver configs.
    public static func make(settings: DaemonSettings, dataDir: String, executableDirectory: String,
                            nodeIDs: [String: String] = [:],
                            isExecutable: (String) -> Bool = { FileManager.default.isExecutableFile(atPath: $0) }) -> [DriverConfig] {
        settings.drivers.enumerated().map { position, section in
            var options: [String: JSONValue] = [:]
            for (key, values) in section.keys {
                options[key] = listKeys.contains(key) || values.count > 1
                    ? .array(values.map(optionValue)) : optionValue(values.last ?? "")
            }
            if let nodeID = nodeIDs[section.name], options["node_id"] == nil { options["node_id"] = .string(nodeID) }
            if section.kind == "rpc" {
                // The RPC driver talks to the same bitcoind unless its section says otherwise.
                if options["rpcconnect"] == nil { options["rpcconnect"] = .string("\(settings.rpcHost):\(settings.rpcPort)") }
                if options["rpcuser"] == nil, options["rpccookiefile"] == nil {
                    if let user = settings.rpcUser, let password = settings.rpcPassword {
                        options["rpcuser"] = .string(user)
                        options["rpcpassword"] = .string(password)
                    } else if let cookie = settings.rpcCookieFile {
                        options["rpccookiefile"] = .string(cookie)
                    }
                }
            }
            let command = section.command ?? [executableDirectory + "/altnet-driver-" + section.name]
            return DriverConfig(
                name: section.name,
                executable: resolve(command[0], dataDir: dataDir, executableDirectory: executableDirectory, isExecutable: isExecutable),
                arguments: Array(command.dropFirst()),
                network: settings.network.rawValue,
                chain: chainInfo(settings.chain),
                options: options,
                dataDir: dataDir + "/" + section.name,
                priority: position)
        }
    }

    /// Where a `command=` executable is: an absolute path as it is; a relative path with a `/`
    /// under altnetd's data directory; a bare name in altnetd's driver directory when it is there,
    /// else in `PATH` (as a shell would look it up), else as given (the start-up check reports it).
    static func resolve(_ word: String, dataDir: String, executableDirectory: String, isExecutable: (String) -> Bool) -> String {
        if word.hasPrefix("/") { return word }
        if word.contains("/") { return dataDir + "/" + word }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        let directories = [executableDirectory] + path.split(separator: ":").map(String.init)
        return directories.map { $0 + "/" + word }.first(where: isExecutable) ?? word
    }

    /// A configuration value as JSON: the text as it was written. The supervisor gives it the
    /// type the driver's manifest declares for the option (``DriverOptionTypes``), so a
    /// numeric-looking password stays a string and `port=8333` becomes a number only where the
    /// option is a number.
    static func optionValue(_ text: String) -> JSONValue { .string(text) }

    /// The driver protocol's chain description for a network.
    public static func chainInfo(_ params: ChainParams) -> ChainInfo {
        ChainInfo(genesisHash: params.genesisHash.displayHex, magic: params.messageStart.hex,
                  defaultPort: Int(params.defaultP2PPort))
    }
}
