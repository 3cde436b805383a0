import BitcoinPrimitives
/// `sendmessage` params.
public struct SendMessageParams: Codable, Sendable, Hashable {
    /// The peer to send to (an id from `listpeers` or `peerconnected`): the message goes to that
    /// peer only, or fails with `peerUnavailable` when it is unknown or not ready. Nil lets the
    /// driver pick one of its ready peers at random (docs/driver-protocol.md, "How the core fans out").
    public var peer: String?
    public var message: DriverP2PMessage
    /// Reply commands that complete the exchange (e.g. `["headers"]` for `getheaders`); empty when
    /// no reply is awaited. The driver returns the message from the same peer that answers this
    /// request (its own block, tx, notfound, headers or pong: docs/driver-protocol.md).
    public var expect: [String]
    /// How long the driver waits for the reply, in milliseconds.
    public var timeoutMs: Int

    public init(peer: String? = nil, message: DriverP2PMessage, expect: [String] = [], timeoutMs: Int = 10_000) {
        self.peer = peer
        self.message = message
        self.expect = expect
        self.timeoutMs = timeoutMs
    }

    enum CodingKeys: String, CodingKey {
        case peer, message, expect
        case timeoutMs = "timeout_ms"
    }

    /// The usual replies to a request command, per Bitcoin Core's net_processing.
    public static func expectedReplies(to command: String) -> [String] {
        switch command {
        case "getheaders": ["headers"]
        case "getdata": ["block", "tx", "notfound"]
        default: []
        }
    }
}

/// `sendmessage` result.
public struct SendMessageResult: Codable, Sendable, Hashable {
    /// The peer the message went to.
    public var peer: String
    /// The reply (or replies) received; empty when none was expected.
    public var replies: [DriverP2PMessage]

    public init(peer: String, replies: [DriverP2PMessage] = []) {
        self.peer = peer
        self.replies = replies
    }
}

/// A peer as a driver describes it.
public struct PeerInfo: Codable, Sendable, Hashable {
    public enum Direction: String, Codable, Sendable, Hashable { case inbound, outbound }

    /// The wire protocol a P2P driver ended up on with this peer (optional: drivers whose
    /// transport never varies leave it out).
    public enum WireTransport: String, Codable, Sendable, Hashable {
        /// Bitcoin P2P v1: plaintext.
        case v1
        /// BIP324 v2: encrypted.
        case v2
    }

    /// Driver-scoped id, stable while connected (e.g. `"1"`, a node id, `host:port`).
    public var id: String
    /// Transport address, when it has one.
    public var address: String?
    public var direction: Direction
    /// False for a peer linked at the transport level that does not carry altnet messages (e.g.
    /// a plain Lightning node without the altnet feature bit); absent means it carries them.
    public var altnet: Bool?
    /// "v1" or "v2" for the BIP324 driver, which may fall back to v1 (`--v1-fallback`).
    public var transport: WireTransport?
    /// The best block height the peer announced when it connected: the start height of its
    /// Bitcoin P2P `version` message (Core keeps it as `Peer::m_starting_height`, net_processing.cpp
    /// ProcessMessage "version", and shows it as getpeerinfo's `startingheight`). Not proof of
    /// anything, a peer can say any number; the core reads a height above bitcoind's tip as a
    /// reason to look. Absent when the transport has no such field (Lightning) or the peer sent a
    /// negative one.
    public var startHeight: Int?
    /// For drivers with their own peer discovery (BIP324, issue #19): the peer's network
    /// (`ipv4`, `ipv6`, `onion`, `i2p`, `cjdns`), its network group, and how its address was
    /// learned (`dns`, `fixed`, `gossip`, `manual`, `anchor`, `inbound`).
    public var network: String?
    public var group: String?
    public var source: String?

    public init(
        id: String, address: String? = nil, direction: Direction, altnet: Bool? = nil, transport: WireTransport? = nil,
        startHeight: Int? = nil
    ) {
        self.id = id
        self.address = address
        self.direction = direction
        self.altnet = altnet
        self.transport = transport
        self.startHeight = startHeight
    }

    enum CodingKeys: String, CodingKey {
        case id, address, direction, altnet, transport, network, group, source
        case startHeight = "start_height"
    }
}

/// `listpeers` result.
public struct ListPeersResult: Codable, Sendable, Hashable {
    public var peers: [PeerInfo]

    public init(peers: [PeerInfo]) { self.peers = peers }
}

/// `broadcasttx` params.
public struct BroadcastTxParams: Codable, Sendable, Hashable {
    /// The serialized transaction as hex.
    public var tx: String

    public init(tx: String) { self.tx = tx }
}

/// `broadcasttx` result.
public struct BroadcastTxResult: Codable, Sendable, Hashable {
    /// True when at least one peer took the transaction.
    public var accepted: Bool
    /// Peers it was sent to.
    public var peers: Int
    /// Why it was not accepted, when it was not.
    public var reason: String?
    /// Which peers it was sent to (ids as in `listpeers`), when the driver says (optional):
    /// the emergency queue reports them as the transaction's way off this machine.
    public var sentTo: [String]?
    /// Which of those peers acknowledged receipt (optional): only a transport whose peers can
    /// answer says (an altnetd over the Lightning altnet session acknowledges each `tx` with an
    /// `inv` of its wtxid; bitcoind peers over BIP324 cannot, and the field is absent then).
    public var ackedBy: [String]?

    enum CodingKeys: String, CodingKey {
        case accepted, peers, reason
        case sentTo = "sent_to"
        case ackedBy = "acked_by"
    }

    public init(accepted: Bool, peers: Int, reason: String? = nil, sentTo: [String]? = nil, ackedBy: [String]? = nil) {
        self.accepted = accepted
        self.peers = peers
        self.reason = reason
        self.sentTo = sentTo
        self.ackedBy = ackedBy
    }
}

/// `peerconnected` notification params.
public struct PeerConnected: Codable, Sendable, Hashable {
    public var peer: PeerInfo

    public init(peer: PeerInfo) { self.peer = peer }
}

/// `peerdisconnected` notification params.
public struct PeerDisconnected: Codable, Sendable, Hashable {
    public var peer: String
    public var reason: String?

    public init(peer: String, reason: String? = nil) {
        self.peer = peer
        self.reason = reason
    }
}

/// `messagereceived` notification params: a message a peer sent that was not a reply to a
/// `sendmessage` (e.g. a peer's own `getheaders`, which the core answers with `sendmessage`).
public struct MessageReceived: Codable, Sendable, Hashable {
    public var peer: String
    public var message: DriverP2PMessage

    public init(peer: String, message: DriverP2PMessage) {
        self.peer = peer
        self.message = message
    }
}

/// `signer.ecdh` params (driver -> core).
public struct ECDHParams: Codable, Sendable, Hashable {
    /// A compressed secp256k1 point, 33 bytes as hex.
    public var point: String

    public init(point: String) { self.point = point }
}

/// `signer.ecdh` result: SHA256 of the compressed shared point, 32 bytes as hex (BOLT 8's ECDH).
public struct ECDHResult: Codable, Sendable, Hashable {
    public var secret: String

    public init(secret: String) { self.secret = secret }
}

/// `disconnectpeer` params: the core tells the driver to drop a peer.
public struct DisconnectPeerParams: Codable, Sendable, Hashable {
    /// The peer's driver-scoped id (as in ``PeerInfo/id``).
    public var peer: String
    /// Why, for the driver's log (e.g. "invalid headers: high-hash").
    public var reason: String

    public init(peer: String, reason: String) {
        self.peer = peer
        self.reason = reason
    }
}
