import JSON

/// What the plugin takes from lightningd's `init`: its options (`options`) and where lightningd
/// runs (`configuration`: `lightning-dir`, `rpc-file`, `network`).
public struct PluginConfiguration: Sendable, Hashable {
    /// The bridge socket the plugin connects to.
    public let socketPath: String
    /// Bytes of received messages held for altnetd at most.
    public let queueBytes: Int
    /// lightningd's directory (the network's), for the log.
    public let lightningDir: String?
    /// lightningd's RPC socket name, for the log.
    public let rpcFile: String?
    /// lightningd's network name, for the log.
    public let network: String?

    /// Most bytes `altnet-queue-bytes` may ask for (1 GiB).
    public static let maxQueueBytes = 1 << 30

    /// - Parameters:
    ///   - params: `init`'s params.
    ///   - home: the user's home directory, for a leading `~/`.
    /// - Throws: ``CLNError`` for an option of the wrong type or out of range.
    public init(initParams params: JSONValue, home: String) throws(CLNError) {
        let options = params["options"]
        func string(_ name: String) throws(CLNError) -> String? {
            guard let value = options?[name], !value.isNull else { return nil }
            guard let text = value.stringValue else { throw CLNError("option \(name) must be a string") }
            return text
        }
        let socket = try string(PluginManifest.Option.socket) ?? ""
        if socket.isEmpty {
            let dir = try string(PluginManifest.Option.dataDir) ?? PluginManifest.defaultDataDir
            socketPath = Self.expand(dir, home: home) + "/cln/plugin.sock"
        } else {
            socketPath = Self.expand(socket, home: home)
        }
        if let value = options?[PluginManifest.Option.queueBytes], !value.isNull {
            guard let bytes = value.intValue ?? value.stringValue.flatMap({ Int64($0) }),
                  (Int64(CustomMessage.maxLineBytes)...Int64(Self.maxQueueBytes)).contains(bytes) else {
                throw CLNError("option \(PluginManifest.Option.queueBytes) must be a number from \(CustomMessage.maxLineBytes) to \(Self.maxQueueBytes)")
            }
            queueBytes = Int(bytes)
        } else {
            queueBytes = PluginManifest.defaultQueueBytes
        }
        let configuration = params["configuration"]
        lightningDir = configuration?["lightning-dir"]?.stringValue
        rpcFile = configuration?["rpc-file"]?.stringValue
        network = configuration?["network"]?.stringValue
    }

    /// `~/x` under `home`; anything else as it is.
    public static func expand(_ path: String, home: String) -> String {
        path == "~" ? home : path.hasPrefix("~/") ? home + path.dropFirst(1) : path
    }
}
