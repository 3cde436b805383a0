import BIP324
import BitcoinPrimitives

/// Why a peer was dropped: something it sent broke the protocol.
public struct PeerViolation: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// What a ``PeerSession`` reports after reading bytes.
public enum PeerSessionEvent: Equatable, Sendable {
    /// The v2 handshake finished (keys agreed, version packets exchanged).
    case encrypted(sessionID: [UInt8])
    /// version and verack both ways: the peer can carry messages now.
    case ready(userAgent: String, startHeight: Int32)
    /// An application message, already checked (headers link, blocks match their header).
    case message(command: String, payload: [UInt8])
}

/// One peer's conversation, sans I/O: the BIP324 transport underneath (or plaintext v1 framing
/// on the `--v1-fallback` path), and above it the P2P handshake (version, wtxidrelay, verack,
/// sendaddrv2, sendheaders), keepalive (ping/pong) and the checks of ``check(_:_:)``.
///
/// ```
///  keys ──handshakeComplete──► sent version ──their version──► sent wtxidrelay, sendaddrv2, verack
///        ──their verack──► sent sendheaders ──► ready (messages flow both ways)
/// ```
public struct PeerSession: Sendable {
    /// Protocol version we announce (70016: wtxidrelay, BIP339).
    public static let protocolVersion: Int32 = 70016
    /// NODE_WITNESS (1 << 3) | NODE_P2P_V2 (1 << 11). We serve no blocks from disk: no NODE_NETWORK.
    public static let services: UInt64 = (1 << 3) | (1 << 11)
    public static let userAgent = "/altnet:0.1/"
    /// Bitcoin Core's MAX_HEADERS_RESULTS.
    public static let maxHeaders = 2000

    /// The v2 transport; nil for a v1 session.
    private var transport: BIP324Transport?
    /// The v1 framing (plaintext); nil for a v2 session.
    private var v1: V1Wire?
    public private(set) var theirVersion: VersionMessage?
    public private(set) var isReady = false
    private var gotVerack = false
    /// The peer sent wtxidrelay before verack (BIP339).
    public private(set) var wtxidRelay = false
    /// The peer sent sendaddrv2 before verack (BIP155): it gets addresses as `addrv2`.
    public private(set) var sendAddrV2 = false
    public private(set) var outstandingPing: UInt64?
    private let nonce: UInt64
    private let unixTime: Int64
    /// Set on a responder that may serve a v1 peer (`v1fallback`): its network's message start.
    private let inboundV1Magic: NetworkMagic?

    /// - Parameters:
    ///   - transport: a fresh initiator or responder transport.
    ///   - nonce: our version nonce (random in production).
    ///   - unixTime: the clock, for our version's timestamp.
    ///   - acceptingV1With: for a responder under `v1fallback`: the network's magic, so that a
    ///     peer the transport reports as v1 is served in plaintext v1 instead of dropped.
    public init(transport: BIP324Transport, nonce: UInt64, unixTime: Int64, acceptingV1With: NetworkMagic? = nil) {
        self.transport = transport
        self.nonce = nonce
        self.unixTime = unixTime
        self.inboundV1Magic = acceptingV1With
    }

    /// A plaintext v1 session (the `v1fallback` path): our version goes out at once.
    /// - Parameters:
    ///   - v1Magic: the network's message start.
    ///   - nonce: our version nonce.
    ///   - unixTime: the clock, for our version's timestamp.
    public init(v1Magic: NetworkMagic, nonce: UInt64, unixTime: Int64) {
        self.v1 = V1Wire(magic: v1Magic, decoder: V1FrameDecoder(magic: v1Magic))
        self.nonce = nonce
        self.unixTime = unixTime
        self.inboundV1Magic = nil
        let version = P2PFrame(command: .version, payload: ourVersion()).encoded(magic: v1Magic)
        v1?.outbox = version
    }

    /// True for a plaintext v1 session.
    public var isV1: Bool { v1 != nil }

    /// Bytes waiting for the socket.
    public mutating func takeBytesToSend() -> [UInt8] {
        if v1 != nil {
            defer { v1?.outbox = [] }
            return v1?.outbox ?? []
        }
        return transport?.takeBytesToSend() ?? []
    }

    /// Queues an application message.
    /// - Throws: ``PeerViolation`` when the transport refuses it (closed, oversized).
    public mutating func send(_ command: String, _ payload: [UInt8]) throws(PeerViolation) {
        do {
            if let magic = v1?.magic {
                v1?.outbox += P2PFrame(command: try P2PCommand(command), payload: payload).encoded(magic: magic)
            } else {
                try transport?.send(BIP324Message(command: command, payload: payload))
            }
        } catch {
            throw PeerViolation("cannot send \(command): \(error)")
        }
    }

    /// Sends a ping and remembers its nonce.
    public mutating func ping(nonce: UInt64) throws(PeerViolation) {
        var w = ByteWriter()
        w.writeLE(nonce)
        try send("ping", w.bytes)
        outstandingPing = nonce
    }

    /// Feeds bytes from the socket.
    /// - Returns: the events they completed.
    /// - Throws: ``PeerViolation`` on anything the peer must be dropped for.
    public mutating func receive(_ bytes: [UInt8]) throws(PeerViolation) -> [PeerSessionEvent] {
        if v1 != nil { return try receiveV1(bytes) }
        let events: [BIP324Event]
        do {
            events = try transport?.receive(bytes) ?? []
        } catch {
            throw PeerViolation("\(error)")
        }
        var out: [PeerSessionEvent] = []
        for event in events {
            switch event {
            case .v1PeerDetected(let received):
                guard let magic = inboundV1Magic else { throw PeerViolation("peer speaks v1 only") }
                // v1fallback: serve it in plaintext; our version first, then replay its bytes.
                transport = nil
                var wire = V1Wire(magic: magic, decoder: V1FrameDecoder(magic: magic))
                wire.outbox = P2PFrame(command: .version, payload: ourVersion()).encoded(magic: magic)
                v1 = wire
                return out + (try receiveV1(received))
            case .handshakeComplete(let sessionID):
                out.append(.encrypted(sessionID: sessionID))
                try send("version", ourVersion())
            case .unknownMessageType:
                continue
            case .message(let message):
                if let event = try handle(message.command, message.payload) { out.append(event) }
            }
        }
        return out
    }

    private mutating func handle(_ command: String, _ payload: [UInt8]) throws(PeerViolation) -> PeerSessionEvent? {
        switch command {
        case "version":
            guard theirVersion == nil else { throw PeerViolation("second version message") }
            let version: VersionMessage
            do { version = try VersionMessage(payload: payload[...]) } catch {
                throw PeerViolation("malformed version: \(error)")
            }
            theirVersion = version
            if version.version >= 70016 {
                try send("wtxidrelay", [])
                // BIP155: after version, before verack.
                try send("sendaddrv2", [])
            }
            try send("verack", [])
            return nil
        case "verack":
            guard theirVersion != nil, !gotVerack else { throw PeerViolation("unexpected verack") }
            gotVerack = true
            isReady = true
            try send("sendheaders", [])
            return .ready(userAgent: theirVersion?.userAgentString ?? "", startHeight: theirVersion?.startHeight ?? 0)
        case "ping":
            guard payload.count == 8 else { throw PeerViolation("ping of \(payload.count) bytes") }
            try send("pong", payload)
            return nil
        case "pong":
            var r = ByteReader(payload)
            let got: UInt64
            do { got = try r.readLE(UInt64.self) } catch { throw PeerViolation("malformed pong") }
            if got == outstandingPing { outstandingPing = nil }
            return nil
        case "wtxidrelay":
            if !gotVerack { wtxidRelay = true }
            return nil
        case "sendaddrv2":
            if !gotVerack { sendAddrV2 = true }
            return nil
        case "sendheaders", "sendcmpct", "feefilter":
            return nil
        default:
            guard isReady else { throw PeerViolation("\(command) before verack") }
            try PeerSession.check(command, payload)
            return .message(command: command, payload: payload)
        }
    }

    private func ourVersion() -> [UInt8] {
        let nowhere = NetworkAddress(services: 0, ip: .unspecified, port: 0)
        let version = VersionMessage(
            version: PeerSession.protocolVersion, services: PeerSession.services,
            timestamp: unixTime,
            receiver: nowhere, sender: nowhere, nonce: nonce, userAgent: Array(PeerSession.userAgent.utf8),
            startHeight: 0, relay: true)
        var w = ByteWriter()
        version.write(to: &w)
        return w.bytes
    }

    private mutating func receiveV1(_ bytes: [UInt8]) throws(PeerViolation) -> [PeerSessionEvent] {
        var out: [PeerSessionEvent] = []
        v1?.decoder.feed(bytes)
        while true {
            let frame: P2PFrame?
            do { frame = try v1?.decoder.nextFrame() } catch { throw PeerViolation("v1: \(error)") }
            guard let frame else { return out }
            if let event = try handle(frame.command.name, frame.payload) { out.append(event) }
        }
    }
}

/// v1 framing state of a plaintext session.
struct V1Wire: Sendable {
    let magic: NetworkMagic
    var decoder: V1FrameDecoder
    var outbox: [UInt8] = []
}
