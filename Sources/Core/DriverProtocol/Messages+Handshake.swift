import JSON

/// `getmanifest` params: the protocol versions the core speaks, and the framings it accepts.
public struct GetManifestParams: Codable, Sendable, Hashable {
    public var protocolVersions: [Int]
    /// The framings the core offers (``DriverFraming`` names; names this version does not know
    /// are kept here and ignored). Absent: JSON lines only.
    public var framings: [String]?

    public init(protocolVersions: [Int] = ProtocolVersion.supported, framings: [DriverFraming]? = nil) {
        self.protocolVersions = protocolVersions
        self.framings = framings?.map(\.rawValue)
    }

    /// The offered framings this version knows; nil when none were offered.
    public var offeredFramings: [DriverFraming]? { framings.map { $0.compactMap(DriverFraming.init(rawValue:)) } }

    enum CodingKeys: String, CodingKey {
        case framings
        case protocolVersions = "protocol_versions"
    }
}

/// An option a driver accepts in `init` (as `altnet.conf` keys in its section).
public struct OptionSpec: Codable, Sendable, Hashable {
    public enum ValueType: String, Codable, Sendable, Hashable {
        case string, int, bool
        /// A repeatable string key (e.g. `connect=`), passed as an array.
        case strings
    }

    public var name: String
    public var type: ValueType
    public var description: String
    public var defaultValue: JSONValue?

    public init(name: String, type: ValueType, description: String, defaultValue: JSONValue? = nil) {
        self.name = name
        self.type = type
        self.description = description
        self.defaultValue = defaultValue
    }

    enum CodingKeys: String, CodingKey {
        case name, type, description
        case defaultValue = "default"
    }
}

/// `getmanifest` result: who the driver is and what it can carry.
public struct Manifest: Codable, Sendable, Hashable {
    /// Short lowercase name, e.g. `bip324`.
    public var name: String
    /// The driver's own version string.
    public var version: String
    /// The protocol version the driver picked from the offered ones.
    public var protocolVersion: Int
    public var capabilities: TransportCapabilities
    public var options: [OptionSpec]
    /// The framings the driver speaks among those offered (``DriverFraming`` names); absent:
    /// JSON lines only.
    public var framings: [String]?

    public init(
        name: String, version: String, protocolVersion: Int, capabilities: TransportCapabilities, options: [OptionSpec] = [],
        framings: [DriverFraming]? = nil
    ) {
        self.name = name
        self.version = version
        self.protocolVersion = protocolVersion
        self.capabilities = capabilities
        self.options = options
        self.framings = framings?.map(\.rawValue)
    }

    /// The declared framings this version knows; nil when the manifest declares none.
    public var declaredFramings: [DriverFraming]? { framings.map { $0.compactMap(DriverFraming.init(rawValue:)) } }

    enum CodingKeys: String, CodingKey {
        case name, version, capabilities, options, framings
        case protocolVersion = "protocol_version"
    }

    /// Checks what decoding cannot: the name's form, a declared kind, an offered version.
    /// - Parameter offered: the versions the core offered.
    /// - Throws: ``DriverProtocolError`` (`versionMismatch` or `invalidParams`) naming the problem.
    public func validate(offered: [Int]) throws(DriverProtocolError) {
        guard offered.contains(protocolVersion) else {
            throw DriverProtocolError(
                .versionMismatch,
                "driver picked protocol version \(protocolVersion), the core offered \(offered.map(String.init).joined(separator: ", "))")
        }
        let nameOK = !name.isEmpty && name.count <= 64
            && name.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D || $0 == 0x5F }
        guard nameOK else {
            throw DriverProtocolError(.invalidParams, "manifest name \"\(name)\" must be 1-64 characters of a-z 0-9 - _")
        }
        guard !version.isEmpty else { throw DriverProtocolError(.invalidParams, "manifest version is empty") }
        guard !capabilities.messageKinds.isEmpty else {
            throw DriverProtocolError(.invalidParams, "manifest declares no message kinds")
        }
        guard capabilities.send || capabilities.receive else {
            throw DriverProtocolError(.invalidParams, "manifest declares neither send nor receive")
        }
    }
}

/// Chain parameters sent in `init`, so a driver need not carry its own table.
public struct ChainInfo: Codable, Sendable, Hashable {
    /// Genesis block hash, display (RPC) byte order, 64 hex characters.
    public var genesisHash: String
    /// The 4 P2P message-start bytes as 8 hex characters.
    public var magic: String
    /// Default P2P port.
    public var defaultPort: Int

    public init(genesisHash: String, magic: String, defaultPort: Int) {
        self.genesisHash = genesisHash
        self.magic = magic
        self.defaultPort = defaultPort
    }

    enum CodingKeys: String, CodingKey {
        case magic
        case genesisHash = "genesis_hash"
        case defaultPort = "default_port"
    }

    /// Regtest's parameters (Bitcoin Core src/kernel/chainparams.cpp).
    public static let regtest = ChainInfo(
        genesisHash: "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206",
        magic: "fabfb5da", defaultPort: 18444)
}

/// `init` params.
public struct InitParams: Codable, Sendable, Hashable {
    /// `main`, `testnet3`, `testnet4`, `signet` or `regtest`.
    public var network: String
    public var chain: ChainInfo
    /// Option values by name (only options the manifest declared).
    public var options: [String: JSONValue]
    /// A directory the driver owns for its state.
    public var dataDir: String
    /// The framing the core picked from the manifest's `framings`; absent means JSON lines.
    /// With `binary`, both sides send ``BinaryFrame``s after this request and its answer.
    public var framing: DriverFraming?

    public init(network: String, chain: ChainInfo, options: [String: JSONValue] = [:], dataDir: String, framing: DriverFraming? = nil) {
        self.network = network
        self.chain = chain
        self.options = options
        self.dataDir = dataDir
        self.framing = framing
    }

    enum CodingKeys: String, CodingKey {
        case network, chain, options, framing
        case dataDir = "data_dir"
    }
}
