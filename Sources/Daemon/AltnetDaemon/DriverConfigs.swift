import Altstack
import BitcoinPrimitives
import DriverProtocol
import Foundation

/// Maps the enabled driver sections of ``DaemonSettings`` onto Altstack ``DriverConfig`` values.
public enum DriverConfigs {
    /// Keys that are lists even when given once (a driver's peers).
    static let listKeys: Set<String> = ["connect"]

    /// One config per enabled driver section, in start order.
    /// - Parameters:
    ///   - settings: the daemon's settings.
    ///   - dataDir: altnetd's data directory; each driver gets `dataDir/<name>`.
    ///   - executableDirectory: where `altnet-driver-<name>` lives (altnetd's own directory).
    ///   - lightningNodeID: the node's public key (hex), given to the Lightning driver as `node_id`.
    /// - Returns: the driver configs.
    public static func make(settings: DaemonSettings, dataDir: String, executableDirectory: String,
                            lightningNodeID: String?) -> [DriverConfig] {
        settings.drivers.enumerated().map { position, section in
            var options: [String: JSONValue] = [:]
            for (key, values) in section.keys {
                options[key] = listKeys.contains(key) || values.count > 1
                    ? .array(values.map(optionValue)) : optionValue(values.last ?? "")
            }
            switch section.name {
            case "lightning":
                if let lightningNodeID, options["node_id"] == nil { options["node_id"] = .string(lightningNodeID) }
            case "rpc":
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
            default:
                break
            }
            return DriverConfig(
                name: section.name,
                executable: executableDirectory + "/altnet-driver-" + section.name,
                network: settings.network.rawValue,
                chain: chainInfo(settings.chain),
                options: options,
                dataDir: dataDir + "/" + section.name,
                priority: position)
        }
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
