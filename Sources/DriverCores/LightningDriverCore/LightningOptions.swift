import BitcoinPrimitives
import DriverProtocol
import JSON
import Secp256k1

/// The driver's `init` options, parsed and checked.
public struct LightningOptions: Sendable {
    /// A peer to dial: its node id and address.
    public struct Target: Sendable, Hashable {
        public let nodeID: [UInt8]
        public let host: String
        public let port: Int
    }

    /// The node's public key (its node id); nil when the driver runs without links.
    public let nodeID: PublicKey?
    /// Where to accept connections.
    public let listen: (host: String, port: Int)?
    /// Peers to keep connected.
    public let connect: [Target]
    /// How long a fragmented message may take to arrive (docs/lightning-messages.md: 120 s).
    public let reassemblyTimeout: Duration
    /// The chain's genesis hash in internal byte order, as BOLT 1's `networks` TLV carries it.
    public let chainHash: [UInt8]
    /// Bytes of altnet messages one peer's outbound queue may hold (default 8 MiB: two
    /// maximum-size blocks).
    public let outboundQueueBytes: Int
    /// The longest wait between reconnection attempts (default 60 s).
    public let reconnectMax: Duration
    /// From the end of the BOLT 8 handshake to the peer's `init` (default 30 s): a peer that
    /// never sends it is closed, so throwaway node ids cannot hold inbound slots (issue 15).
    public let initTimeout: Duration
    /// Between our keep-alive pings (default 30 s).
    public let pingInterval: Duration
    /// How long our ping may stay unanswered by a pong (default 30 s).
    public let pongTimeout: Duration
    /// Inbound connections open at once, handshakes included (default 64).
    public let maxInbound: Int
    /// How long `broadcasttx` waits for acknowledgements (default 2 s).
    public let txAckTimeout: Duration

    /// Bounds of `outbound_queue_bytes`: at least one maximum-size message (4 MB block plus
    /// fragment headers), at most 1 GiB.
    public static let outboundQueueRange = 4_100_000...1_073_741_824

    /// The option specs declared in the manifest.
    public static let specs: [OptionSpec] = [
        OptionSpec(name: "node_id", type: .string,
                   description: "the node's public key (33 bytes hex); the private key stays with the core"),
        OptionSpec(name: "listen", type: .string, description: "HOST:PORT to accept Lightning peers on"),
        OptionSpec(name: "connect", type: .strings, description: "NODEID@HOST:PORT peers to keep connected"),
        OptionSpec(name: "reassembly_timeout_ms", type: .int,
                   description: "drop a fragmented message not complete after this long", defaultValue: .int(120_000)),
        OptionSpec(name: "outbound_queue_bytes", type: .int,
                   description: "bytes of altnet messages queued for one peer at most; beyond it sendmessage fails (slow reader)",
                   defaultValue: .int(8_388_608)),
        OptionSpec(name: "reconnect_max_ms", type: .int,
                   description: "longest wait between reconnection attempts (backoff doubles from 250 ms up to this)",
                   defaultValue: .int(60_000)),
        OptionSpec(name: "init_timeout_ms", type: .int,
                   description: "close a peer that sends no init this long after the BOLT 8 handshake", defaultValue: .int(30_000)),
        OptionSpec(name: "ping_interval_ms", type: .int,
                   description: "time between keep-alive pings", defaultValue: .int(30_000)),
        OptionSpec(name: "pong_timeout_ms", type: .int,
                   description: "close a peer that leaves our ping unanswered this long", defaultValue: .int(30_000)),
        OptionSpec(name: "max_inbound", type: .int,
                   description: "inbound connections open at once (handshakes included); more are closed at accept",
                   defaultValue: .int(64)),
        OptionSpec(name: "tx_ack_timeout_ms", type: .int,
                   description: "how long broadcasttx waits for altnet peers to acknowledge the transaction", defaultValue: .int(2_000)),
    ]

    /// - Parameter params: the `init` params.
    /// - Throws: ``DriverProtocolError`` (`invalidParams`) naming the bad option.
    public init(_ params: InitParams) throws(DriverProtocolError) {
        let genesis = try Hex.decode(params.chain.genesisHash, field: "chain.genesis_hash")
        guard genesis.count == 32 else {
            throw DriverProtocolError(.invalidParams, "chain.genesis_hash must be 32 bytes, got \(genesis.count)")
        }
        chainHash = genesis.reversed()
        let options = params.options
        if let value = options["node_id"] {
            guard let hex = value.stringValue else { throw DriverProtocolError(.invalidParams, "node_id must be a string") }
            let bytes = try Hex.decode(hex, field: "node_id")
            guard bytes.count == 33, let key = try? PublicKey(serialized: bytes) else {
                throw DriverProtocolError(.invalidParams, "node_id must be a compressed secp256k1 public key (33 bytes)")
            }
            nodeID = key
        } else {
            nodeID = nil
        }
        if let value = options["listen"] {
            guard let text = value.stringValue else { throw DriverProtocolError(.invalidParams, "listen must be a string") }
            listen = try Self.hostPort(text, option: "listen")
        } else {
            listen = nil
        }
        var targets: [Target] = []
        let connectValues: [JSONValue]
        switch options["connect"] {
        case nil: connectValues = []
        case .array(let values)?: connectValues = values
        case let single?: connectValues = [single]
        }
        for value in connectValues {
            guard let text = value.stringValue else { throw DriverProtocolError(.invalidParams, "connect entries must be strings") }
            targets.append(try Self.target(text))
        }
        connect = targets
        if let value = options["reassembly_timeout_ms"] {
            guard let ms = value.intValue, (1...3_600_000).contains(ms) else {
                throw DriverProtocolError(.invalidParams, "reassembly_timeout_ms must be an integer from 1 to 3,600,000")
            }
            reassemblyTimeout = .milliseconds(Int(ms))
        } else {
            reassemblyTimeout = .seconds(120)
        }
        if let value = options["outbound_queue_bytes"] {
            guard let bytes = value.intValue, Self.outboundQueueRange.contains(Int(bytes)) else {
                throw DriverProtocolError(.invalidParams, "outbound_queue_bytes must be an integer from 4,100,000 to 1,073,741,824")
            }
            outboundQueueBytes = Int(bytes)
        } else {
            outboundQueueBytes = 8_388_608
        }
        if let value = options["reconnect_max_ms"] {
            guard let ms = value.intValue, (250...3_600_000).contains(ms) else {
                throw DriverProtocolError(.invalidParams, "reconnect_max_ms must be an integer from 250 to 3,600,000")
            }
            reconnectMax = .milliseconds(Int(ms))
        } else {
            reconnectMax = .seconds(60)
        }
        initTimeout = try Self.milliseconds(options, "init_timeout_ms", default: 30_000)
        pingInterval = try Self.milliseconds(options, "ping_interval_ms", default: 30_000)
        pongTimeout = try Self.milliseconds(options, "pong_timeout_ms", default: 30_000)
        txAckTimeout = try Self.milliseconds(options, "tx_ack_timeout_ms", default: 2_000, range: 100...30_000)
        if let value = options["max_inbound"] {
            guard let count = value.intValue, (0...100_000).contains(count) else {
                throw DriverProtocolError(.invalidParams, "max_inbound must be an integer from 0 to 100,000")
            }
            maxInbound = Int(count)
        } else {
            maxInbound = 64
        }
        if nodeID == nil && (listen != nil || !connect.isEmpty) {
            throw DriverProtocolError(.invalidParams, "listen and connect need node_id (the node's public key)")
        }
    }

    /// A duration option in milliseconds, from 100 ms to an hour unless `range` says otherwise.
    private static func milliseconds(_ options: [String: JSONValue], _ name: String, default ms: Int,
                                     range: ClosedRange<Int64> = 100...3_600_000) throws(DriverProtocolError) -> Duration {
        guard let value = options[name] else { return .milliseconds(ms) }
        guard let given = value.intValue, range.contains(given) else {
            throw DriverProtocolError(.invalidParams, "\(name) must be an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return .milliseconds(Int(given))
    }

    /// Parses `NODEID@HOST:PORT`.
    public static func target(_ text: String) throws(DriverProtocolError) -> Target {
        let parts = text.split(separator: "@", maxSplits: 1).map(String.init)
        guard parts.count == 2 else {
            throw DriverProtocolError(.invalidParams, "connect \"\(text.prefix(100))\" is not NODEID@HOST:PORT")
        }
        let id = try Hex.decode(parts[0], field: "connect node id")
        guard id.count == 33, (try? PublicKey(serialized: id)) != nil else {
            throw DriverProtocolError(.invalidParams, "connect node id must be a 33-byte compressed public key")
        }
        let (host, port) = try hostPort(parts[1], option: "connect")
        return Target(nodeID: id, host: host, port: port)
    }

    /// Parses `HOST:PORT` (an IPv6 host in brackets; port 0 lets the OS pick a listening port).
    public static func hostPort(_ text: String, option: String) throws(DriverProtocolError) -> (host: String, port: Int) {
        do throws(HostPortError) {
            let parsed = try HostPort(parsing: text, ports: 0...65535)
            return (parsed.host, parsed.port)
        } catch {
            throw DriverProtocolError(.invalidParams, "\(option) \(error)")
        }
    }
}
