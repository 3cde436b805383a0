import DriverProtocol
import JSON
import LightningDriverCore

/// The `[cln]` driver's `init` options (docs/driver-lightning.md, "Running beside Core Lightning").
public struct CLNOptions: Sendable, Hashable {
    /// lightningd's RPC socket: `rpcfile` under `lightningdir` (or `rpcfile` when absolute).
    public let rpcPath: String
    /// The bridge socket the plugin half connects to (default: the driver's data directory's
    /// `plugin.sock`).
    public let socketPath: String
    /// How often `listpeers` is asked (default 2 s).
    public let listPeersInterval: Duration
    /// Bytes of altnet messages queued for one peer at most (as the BOLT 8 driver's).
    public let outboundQueueBytes: Int
    /// How long a fragmented message may take to arrive.
    public let reassemblyTimeout: Duration
    /// How long `broadcasttx` waits for acknowledgements (default 2 s).
    public let txAckTimeout: Duration

    /// The option specs declared in the manifest.
    public static let specs: [OptionSpec] = [
        OptionSpec(name: "lightningdir", type: .string,
                   description: "lightningd's directory for the network (init's configuration.lightning-dir, e.g. ~/.lightning/bitcoin)"),
        OptionSpec(name: "rpcfile", type: .string, description: "lightningd's JSON-RPC socket, relative to lightningdir",
                   defaultValue: .string("lightning-rpc")),
        OptionSpec(name: "socket", type: .string,
                   description: "the Unix socket the plugin half connects to (default: plugin.sock in the driver's data directory)"),
        OptionSpec(name: "listpeers_ms", type: .int, description: "how often lightningd's peers are listed", defaultValue: .int(2_000)),
        OptionSpec(name: "outbound_queue_bytes", type: .int,
                   description: "bytes of altnet messages queued for one peer at most; beyond it sendmessage fails",
                   defaultValue: .int(8_388_608)),
        OptionSpec(name: "reassembly_timeout_ms", type: .int,
                   description: "drop a fragmented message not complete after this long", defaultValue: .int(120_000)),
        OptionSpec(name: "tx_ack_timeout_ms", type: .int,
                   description: "how long broadcasttx waits for altnet peers to acknowledge the transaction", defaultValue: .int(2_000)),
    ]

    /// - Parameters:
    ///   - params: `init`'s params.
    ///   - home: the user's home directory, for a leading `~/`.
    /// - Throws: `invalidParams` naming the option.
    public init(_ params: InitParams, home: String) throws(DriverProtocolError) {
        let options = params.options
        func string(_ name: String) throws(DriverProtocolError) -> String? {
            guard let value = options[name] else { return nil }
            guard let text = value.stringValue, !text.isEmpty, text.utf8.count <= 4_096 else {
                throw DriverProtocolError(.invalidParams, "\(name) must be a non-empty path")
            }
            return text
        }
        func integer(_ name: String, _ range: ClosedRange<Int>, default value: Int) throws(DriverProtocolError) -> Int {
            guard let given = options[name] else { return value }
            guard let number = given.intValue, range.contains(Int(number)) else {
                throw DriverProtocolError(.invalidParams, "\(name) must be an integer from \(range.lowerBound) to \(range.upperBound)")
            }
            return Int(number)
        }
        let rpcFile = PluginConfiguration.expand(try string("rpcfile") ?? "lightning-rpc", home: home)
        if rpcFile.hasPrefix("/") {
            rpcPath = rpcFile
        } else {
            guard let dir = try string("lightningdir") else {
                throw DriverProtocolError(.invalidParams, "lightningdir is needed (lightningd's directory for the network), or an absolute rpcfile")
            }
            rpcPath = PluginConfiguration.expand(dir, home: home) + "/" + rpcFile
        }
        socketPath = PluginConfiguration.expand(try string("socket") ?? params.dataDir + "/plugin.sock", home: home)
        // sun_path holds 108 bytes with its terminator.
        guard socketPath.utf8.count < 108, rpcPath.utf8.count < 108 else {
            throw DriverProtocolError(.invalidParams, "socket paths must be shorter than 108 bytes: \(socketPath.prefix(120)), \(rpcPath.prefix(120))")
        }
        listPeersInterval = .milliseconds(try integer("listpeers_ms", 50...600_000, default: 2_000))
        outboundQueueBytes = try integer("outbound_queue_bytes", LightningOptions.outboundQueueRange, default: 8_388_608)
        reassemblyTimeout = .milliseconds(try integer("reassembly_timeout_ms", 1...3_600_000, default: 120_000))
        txAckTimeout = .milliseconds(try integer("tx_ack_timeout_ms", 100...30_000, default: 2_000))
    }
}
