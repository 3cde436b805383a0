/// The kinds of Bitcoin P2P traffic a transport can carry.
public enum MessageKind: String, Codable, Sendable, Hashable, CaseIterable, Comparable {
    /// `getheaders`, `headers`.
    case headers
    /// `getdata` for blocks, `block`, `notfound`.
    case blocks
    /// `tx` (and `getdata` / `notfound` for transactions).
    case transactions

    /// The kind a P2P command belongs to, or nil for a command the protocol does not carry.
    ///
    /// `getdata` and `notfound` serve blocks and transactions alike; they are classed as
    /// `blocks` here, and a transactions-only driver may still send them (see ``TransportCapabilities/permits(command:)``).
    /// - Parameter command: the P2P command name, e.g. `"getheaders"`.
    public static func of(command: String) -> MessageKind? {
        switch command {
        case "getheaders", "headers": .headers
        case "getdata", "block", "notfound": .blocks
        case "tx": .transactions
        default: nil
        }
    }

    public static func < (lhs: MessageKind, rhs: MessageKind) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Typical one-way latency of a transport, coarse on purpose.
public enum LatencyClass: String, Codable, Sendable, Hashable, CaseIterable, Comparable {
    /// Under a second (TCP over the internet).
    case low
    /// Seconds (Tor, mixnets).
    case medium
    /// Minutes or more (radio, satellite, store and forward).
    case high

    private var rank: Int { LatencyClass.allCases.firstIndex(of: self) ?? 0 }
    public static func < (lhs: LatencyClass, rhs: LatencyClass) -> Bool { lhs.rank < rhs.rank }
}

/// Usable bandwidth of a transport, coarse on purpose.
public enum BandwidthClass: String, Codable, Sendable, Hashable, CaseIterable, Comparable {
    /// Bytes to kilobytes per second: headers and transactions only.
    case low
    /// Enough for occasional blocks.
    case medium
    /// Broadband.
    case high

    private var rank: Int { BandwidthClass.allCases.firstIndex(of: self) ?? 0 }
    public static func < (lhs: BandwidthClass, rhs: BandwidthClass) -> Bool { lhs.rank < rhs.rank }
}

/// What a transport reveals about the node using it.
public enum PrivacyClass: String, Codable, Sendable, Hashable, CaseIterable, Comparable {
    /// The node's address is visible to peers and observers.
    case none
    /// Observers on the path cannot read the traffic, peers see the address.
    case low
    /// Neither peers nor observers learn the node's address (Tor, mixnets, broadcast radio).
    case high

    private var rank: Int { PrivacyClass.allCases.firstIndex(of: self) ?? 0 }
    public static func < (lhs: PrivacyClass, rhs: PrivacyClass) -> Bool { lhs.rank < rhs.rank }
}

/// What a driver declares it can do (seed 001's `TransportCapabilities`). Declared in the
/// manifest, checked by the core: a driver that delivers a message kind it did not declare is in
/// breach of the protocol.
public struct TransportCapabilities: Codable, Sendable, Hashable {
    /// Can send messages to peers.
    public var send: Bool
    /// Can receive messages from peers.
    public var receive: Bool
    /// The message kinds carried, in both declared directions.
    public var messageKinds: Set<MessageKind>
    /// The link is encrypted.
    public var encrypted: Bool
    /// The peer's identity is authenticated (e.g. a BOLT 8 node key).
    public var authenticatedPeer: Bool
    /// Typical latency.
    public var latency: LatencyClass
    /// Bandwidth class.
    public var bandwidth: BandwidthClass
    /// Privacy class.
    public var privacy: PrivacyClass

    public init(
        send: Bool, receive: Bool, messageKinds: Set<MessageKind>, encrypted: Bool = false,
        authenticatedPeer: Bool = false, latency: LatencyClass = .low, bandwidth: BandwidthClass = .high,
        privacy: PrivacyClass = .none
    ) {
        self.send = send
        self.receive = receive
        self.messageKinds = messageKinds
        self.encrypted = encrypted
        self.authenticatedPeer = authenticatedPeer
        self.latency = latency
        self.bandwidth = bandwidth
        self.privacy = privacy
    }

    enum CodingKeys: String, CodingKey {
        case send, receive, encrypted, latency, bandwidth, privacy
        case messageKinds = "message_kinds"
        case authenticatedPeer = "authenticated_peer"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(send, forKey: .send)
        try container.encode(receive, forKey: .receive)
        try container.encode(messageKinds.sorted(), forKey: .messageKinds)
        try container.encode(encrypted, forKey: .encrypted)
        try container.encode(authenticatedPeer, forKey: .authenticatedPeer)
        try container.encode(latency, forKey: .latency)
        try container.encode(bandwidth, forKey: .bandwidth)
        try container.encode(privacy, forKey: .privacy)
    }

    /// True when the driver may carry `command` (in either direction it declared).
    /// - Parameter command: a P2P command name.
    public func permits(command: String) -> Bool {
        switch command {
        case "getdata", "notfound":
            return !messageKinds.isDisjoint(with: [.blocks, .transactions])
        default:
            guard let kind = MessageKind.of(command: command) else { return false }
            return messageKinds.contains(kind)
        }
    }
}

/// What a caller needs from a transport; anycast and broadcast route only to drivers whose
/// capabilities satisfy it.
public struct CapabilityRequirement: Sendable, Hashable {
    /// Kinds the driver must carry.
    public var messageKinds: Set<MessageKind>
    public var needsSend: Bool
    public var needsReceive: Bool
    public var needsEncryption: Bool
    public var needsAuthenticatedPeer: Bool
    /// Highest acceptable latency class (nil: any).
    public var maxLatency: LatencyClass?
    /// Lowest acceptable bandwidth class (nil: any).
    public var minBandwidth: BandwidthClass?
    /// Lowest acceptable privacy class (nil: any).
    public var minPrivacy: PrivacyClass?

    public init(
        messageKinds: Set<MessageKind>, needsSend: Bool = true, needsReceive: Bool = false,
        needsEncryption: Bool = false, needsAuthenticatedPeer: Bool = false,
        maxLatency: LatencyClass? = nil, minBandwidth: BandwidthClass? = nil, minPrivacy: PrivacyClass? = nil
    ) {
        self.messageKinds = messageKinds
        self.needsSend = needsSend
        self.needsReceive = needsReceive
        self.needsEncryption = needsEncryption
        self.needsAuthenticatedPeer = needsAuthenticatedPeer
        self.maxLatency = maxLatency
        self.minBandwidth = minBandwidth
        self.minPrivacy = minPrivacy
    }

    /// A request/response exchange of `kind` (e.g. getheaders -> headers): send and receive.
    public static func exchange(_ kind: MessageKind) -> CapabilityRequirement {
        CapabilityRequirement(messageKinds: [kind], needsSend: true, needsReceive: true)
    }

    /// A request whose answer comes back as the `sendmessage` result (getdata -> block,
    /// getheaders -> headers): send only. `receive` is about what peers send on their own
    /// (`messagereceived`); a reply is the call's result, so a driver that delivers nothing
    /// unsolicited qualifies: the RPC driver (`receive: false`) answers getdata through
    /// bitcoind's getblockfrompeer.
    public static func request(_ kind: MessageKind) -> CapabilityRequirement {
        CapabilityRequirement(messageKinds: [kind], needsSend: true)
    }

    /// Pushing `kind` out (e.g. broadcasting a transaction): send only.
    public static func push(_ kind: MessageKind) -> CapabilityRequirement {
        CapabilityRequirement(messageKinds: [kind], needsSend: true)
    }

    /// - Parameter capabilities: a driver's declared capabilities.
    /// - Returns: true when they satisfy every part of the requirement.
    public func isSatisfied(by capabilities: TransportCapabilities) -> Bool {
        guard messageKinds.isSubset(of: capabilities.messageKinds) else { return false }
        if needsSend && !capabilities.send { return false }
        if needsReceive && !capabilities.receive { return false }
        if needsEncryption && !capabilities.encrypted { return false }
        if needsAuthenticatedPeer && !capabilities.authenticatedPeer { return false }
        if let maxLatency, capabilities.latency > maxLatency { return false }
        if let minBandwidth, capabilities.bandwidth < minBandwidth { return false }
        if let minPrivacy, capabilities.privacy < minPrivacy { return false }
        return true
    }
}
