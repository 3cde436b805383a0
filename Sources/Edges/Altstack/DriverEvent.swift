import DriverProtocol

/// The lifecycle state of a supervised driver.
///
/// ```
///   starting ──handshake ok──► ready ──dies / hangs / breaches──► backoff ──delay──► starting
///      │                                                            │
///      └──dies early────────────────────────────────────────────────┘
///   backoff ──too many early failures──► parked ──parkedRetry or restart()──► starting
///   any ──restart()──► starting (at once)                any ──stop──► stopped
/// ```
public enum DriverState: String, Sendable, Hashable, Codable {
    case starting
    case ready
    case backoff
    case parked
    case stopped
}

/// Something a driver did, delivered on ``Altstack/events``.
public enum DriverEvent: Sendable, Hashable {
    case stateChanged(driver: String, state: DriverState, reason: String?)
    case peerConnected(driver: String, peer: PeerInfo)
    case peerDisconnected(driver: String, peer: String, reason: String?)
    case messageReceived(driver: String, peer: String, message: DriverP2PMessage)
}

/// A driver-to-core request (e.g. `signer.ecdh`), as the core's handler sees it.
public struct DriverRequest: Sendable {
    /// The driver's registry name.
    public let driver: String
    public let method: String
    let frame: RPCFrame

    /// - Parameters:
    ///   - driver: who asked (check-driver names itself).
    ///   - method: the method asked for.
    ///   - frame: the request as it arrived.
    public init(driver: String, method: String, frame: RPCFrame) {
        self.driver = driver
        self.method = method
        self.frame = frame
    }

    /// Decodes the params.
    /// - Throws: ``DriverProtocolError`` of kind `invalidParams`.
    public func params<P: Decodable>(as type: P.Type) throws(DriverProtocolError) -> P {
        try frame.params(as: type)
    }
}

/// Answers driver-to-core requests: return the result, or throw a ``DriverProtocolError``
/// (other errors are answered as `internalError`).
public typealias CoreRequestHandler = @Sendable (DriverRequest) async throws -> any Encodable & Sendable

/// The handler used when the core serves no driver requests: every method is unknown.
public let noCoreRequests: CoreRequestHandler = { request in
    throw DriverProtocolError(.methodNotFound, "the core does not serve \(request.method)")
}

/// A supervised driver as the registry shows it.
public struct DriverSnapshot: Sendable, Hashable, Codable {
    public var name: String
    public var state: DriverState
    /// Why it is parked, or what last went wrong.
    public var lastError: String?
    public var pid: Int32?
    /// From the driver's last manifest (nil before the first handshake).
    public var manifest: Manifest?
    public var peers: [PeerInfo]
    /// Times the process was started.
    public var starts: Int
    public var priority: Int
    /// Queue depths and drops (``DriverQueueLimits``).
    public var traffic: DriverTrafficSnapshot
    /// The pipe's framing while the driver is ready (binary when `init` picked it), else nil.
    public var framing: DriverFraming?

    /// The declared capabilities, when known.
    public var capabilities: TransportCapabilities? { manifest?.capabilities }

    enum CodingKeys: String, CodingKey {
        case name, state, lastError, pid, manifest, peers, starts, priority, traffic, framing
    }

    public init(name: String, state: DriverState, lastError: String? = nil, pid: Int32? = nil, manifest: Manifest? = nil,
                peers: [PeerInfo] = [], starts: Int = 0, priority: Int = 0, traffic: DriverTrafficSnapshot = DriverTrafficSnapshot(),
                framing: DriverFraming? = nil) {
        self.name = name
        self.state = state
        self.lastError = lastError
        self.pid = pid
        self.manifest = manifest
        self.peers = peers
        self.starts = starts
        self.priority = priority
        self.traffic = traffic
        self.framing = framing
    }

    /// Snapshots written before `traffic` existed (or without it) decode with zero counts.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            name: try c.decode(String.self, forKey: .name), state: try c.decode(DriverState.self, forKey: .state),
            lastError: try c.decodeIfPresent(String.self, forKey: .lastError), pid: try c.decodeIfPresent(Int32.self, forKey: .pid),
            manifest: try c.decodeIfPresent(Manifest.self, forKey: .manifest), peers: try c.decode([PeerInfo].self, forKey: .peers),
            starts: try c.decode(Int.self, forKey: .starts), priority: try c.decode(Int.self, forKey: .priority),
            traffic: try c.decodeIfPresent(DriverTrafficSnapshot.self, forKey: .traffic) ?? DriverTrafficSnapshot())
    }
}
