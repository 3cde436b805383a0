import BOLT8
import BitcoinPrimitives
import DriverKit
import LightningAltnetMessages
import Secp256k1

/// One Lightning link over BOLT 8, sans I/O: the carrier of the altnet session for a peer we
/// reach over TCP ourselves. Bytes from the socket go in (``receive(_:now:)``), packets for the
/// socket come out (``takePackets()``), and what the caller must do comes back as
/// ``BOLT8PeerEvent``s. The node key's ECDH is asked for (``BOLT8PeerEvent/needStaticECDH(_:)``)
/// and answered with ``resume(staticECDH:now:)``; time is only what the caller passes as `now`.
///
/// ```
///  handshake ─ acts 1-3 ─► open: our init queued ─ peer's init, same chain ─► ready(altnet: bit 420/421)
///      │                      │                                              │ ping/pong, custom messages
///      └── bad act ───────────┴── wrong chain, first message not init, ──────┴──► closed(LinkError)
///                                 even unknown type, error, no init or pong in time, not reading
/// ```
/// After a ``LinkError`` the session is closed: every later call throws the same error.
public struct BOLT8PeerSession: Sendable {
    public typealias Instant = ContinuousClock.Instant

    /// The link's deadlines and caps.
    public struct Settings: Sendable {
        /// Our chain's genesis hash (internal byte order), sent in `init`'s `networks`.
        public var chainHash: [UInt8]
        /// Bytes of altnet messages the outbound queue may hold (`outbound_queue_bytes`).
        public var queueLimit: Int
        /// From the end of the handshake to the peer's `init` (`init_timeout_ms`).
        public var initTimeout: Duration
        /// Between our keep-alive pings once the peer's `init` is in (`ping_interval_ms`).
        public var pingInterval: Duration
        /// How long our ping may stay unanswered (`pong_timeout_ms`).
        public var pongTimeout: Duration

        public init(chainHash: [UInt8], queueLimit: Int = 8_388_608, initTimeout: Duration = .seconds(30),
                    pingInterval: Duration = .seconds(30), pongTimeout: Duration = .seconds(30)) {
            self.chainHash = chainHash
            self.queueLimit = queueLimit
            self.initTimeout = initTimeout
            self.pingInterval = pingInterval
            self.pongTimeout = pongTimeout
        }
    }

    /// Pings answered per second; more are ignored (a flood costs us no memory).
    public static let pongsPerSecond = 10
    /// Room for control messages (init, ping, pong) above the queue limit: a few maximum-size
    /// pongs. A peer that lets even those pile up has stopped reading.
    public static let controlAllowance = 256 * 1024
    /// The custom message types handed up (``BOLT8PeerEvent/message(_:)``): altnet's two.
    public static let understoodCustomTypes: Set<UInt16> = [AltnetWire.messageType, AltnetWire.fragmentType]

    public let settings: Settings
    var handshake: Handshake?
    var sender: MessageEncryptor?
    var receiver: MessageDecoder?
    var failure: LinkError?
    /// The peer's node id (33 bytes compressed, hex), once the handshake has authenticated it.
    public internal(set) var peerID: String?
    /// Set once the peer's `init` arrived (its deadline no longer applies).
    public internal(set) var initReceived = false
    /// When our unanswered ping went out, if one is out.
    public internal(set) var unansweredPingSince: Instant?
    var handshakenAt: Instant?
    var lastPing: Instant?
    var pongWindow: Instant?
    var pongsInWindow = 0
    var floodReported = false
    var outbox: [OutgoingPacket] = []
    var budget: OutboundBudget

    /// A packet for the socket and the message bytes it carries (``didWrite(_:)`` gives them back).
    public struct OutgoingPacket: Sendable, Equatable {
        public let bytes: [UInt8]
        /// Plaintext bytes counted against the queue (0 for handshake acts).
        public let messageBytes: Int
    }

    /// - Parameters:
    ///   - role: initiator (with the node id we dial) or responder.
    ///   - localStatic: our node id (the public half of the node key).
    ///   - ephemeral: the handshake's ephemeral key; fresh unless a test injects one.
    ///   - settings: deadlines and caps.
    public init(role: Handshake.Role, localStatic: PublicKey, ephemeral: PrivateKey = PrivateKey(), settings: Settings) {
        self.settings = settings
        handshake = Handshake(role: role, localStatic: localStatic, ephemeral: ephemeral)
        budget = OutboundBudget(limit: settings.queueLimit)
    }

    /// True once the handshake is done and until the session closes.
    public var isOpen: Bool { sender != nil && failure == nil }
    /// Bytes queued and not yet written (``didWrite(_:)``).
    public var queuedBytes: Int { budget.queued }

    /// Starts the handshake: the initiator queues act one.
    /// - Throws: ``LinkError/transport(_:)`` if called twice.
    public mutating func start(now: Instant) throws(LinkError) -> [BOLT8PeerEvent] {
        try checkOpen()
        let events: [HandshakeEvent]
        do throws(BOLT8Error) {
            events = try handshake?.start() ?? []
        } catch {
            throw fail(.transport(error))
        }
        return try absorb(events, now: now)
    }

    /// Feeds bytes from the socket, in any chunking.
    /// - Returns: what they completed, in order.
    /// - Throws: ``LinkError``: the link must be closed.
    public mutating func receive(_ bytes: [UInt8], now: Instant) throws(LinkError) -> [BOLT8PeerEvent] {
        try checkOpen()
        if handshake != nil {
            let events: [HandshakeEvent]
            do throws(BOLT8Error) {
                events = try handshake?.receive(bytes) ?? []
            } catch {
                throw fail(.transport(error))
            }
            return try absorb(events, now: now)
        }
        receiver?.feed(bytes)
        return try drain(now: now)
    }

    /// Continues the handshake with the node key's answer to ``BOLT8PeerEvent/needStaticECDH(_:)``.
    /// - Parameter staticECDH: SHA256 of the compressed shared point, 32 bytes.
    /// - Throws: ``LinkError/badECDHAnswer(_:)`` for a wrong length, ``LinkError/transport(_:)``
    ///   for an act that fails its checks.
    public mutating func resume(staticECDH: [UInt8], now: Instant) throws(LinkError) -> [BOLT8PeerEvent] {
        try checkOpen()
        guard staticECDH.count == 32 else { throw fail(.badECDHAnswer(staticECDH.count)) }
        let events: [HandshakeEvent]
        do throws(BOLT8Error) {
            events = try handshake?.resume(staticECDH: staticECDH) ?? []
        } catch {
            throw fail(.transport(error))
        }
        return try absorb(events, now: now)
    }

    /// The socket reached end of input.
    /// - Returns: why the link ended: cut short in the handshake, mid-message, or a plain close.
    public mutating func endOfInput() -> LinkError {
        if let failure { return failure }
        if handshake != nil { return fail(.closedDuringHandshake) }
        return fail(.closed)
    }

    /// Closes the session with `reason` (a deadline the caller enforced, a refusal by the carrier
    /// such as a second link to the same node).
    public mutating func close(_ reason: LinkError) {
        _ = fail(reason)
    }

    /// Packets for the socket, in order; each must be written before the next.
    public mutating func takePackets() -> [OutgoingPacket] {
        defer { outbox = [] }
        return outbox
    }

    /// The writer handed `count` message bytes (``OutgoingPacket/messageBytes``) to the socket.
    public mutating func didWrite(_ count: Int) {
        budget.release(count)
    }

    /// Queues Lightning messages (an altnet message's fragments): all of them or none.
    /// - Throws: ``OutboundQueueFull`` when they do not fit under the queue limit. On a closed
    ///   session or before the handshake nothing is queued and nothing thrown (the link is gone).
    public mutating func send(_ messages: [LightningMessage]) throws(OutboundQueueFull) {
        guard isOpen else { return }
        let size = messages.reduce(0) { $0 + $1.wireSize }
        guard budget.take(size) else {
            throw OutboundQueueFull(peer: peerID ?? "?", queued: budget.queued, size: size, limit: settings.queueLimit)
        }
        for message in messages {
            var wire = [UInt8(truncatingIfNeeded: message.type >> 8), UInt8(truncatingIfNeeded: message.type)]
            wire.append(contentsOf: message.payload)
            encrypt(wire)
        }
    }

    func checkOpen() throws(LinkError) {
        if let failure { throw failure }
    }

    mutating func fail(_ error: LinkError) -> LinkError {
        if let failure { return failure }
        failure = error
        handshake = nil
        receiver = nil
        return error
    }

    /// Encrypts one message (type and payload) into the outbox. Messages built here are at most
    /// 65,535 bytes (``LightningMessage`` and BOLT 1's encoders check it), so sealing cannot fail.
    mutating func encrypt(_ wire: [UInt8]) {
        var packet: [UInt8] = []
        guard (try? sender?.encrypt(wire, appendingTo: &packet)) != nil, !packet.isEmpty else { return }
        outbox.append(OutgoingPacket(bytes: packet, messageBytes: wire.count))
    }

    /// Queues a BOLT 1 control message with the control allowance.
    /// - Throws: ``LinkError/notReading(_:)`` when even the allowance is used up.
    mutating func sendControl(_ message: BOLT1Message) throws(LinkError) {
        guard let wire = try? message.encoded() else { return }
        guard budget.take(wire.count, allowance: Self.controlAllowance) else { throw fail(.notReading(budget.queued)) }
        encrypt(wire)
    }

    /// Handshake events: bytes to send, the ECDH to ask for, and at completion the transport,
    /// our `init` and whatever messages came in the same read.
    mutating func absorb(_ events: [HandshakeEvent], now: Instant) throws(LinkError) -> [BOLT8PeerEvent] {
        var out: [BOLT8PeerEvent] = []
        for event in events {
            switch event {
            case .send(let bytes):
                outbox.append(OutgoingPacket(bytes: bytes, messageBytes: 0))
            case .needStaticECDH(let point):
                out.append(.needStaticECDH(point))
            case .complete(let transport):
                handshake = nil
                sender = transport.sender
                receiver = transport.receiver
                let id = Hex.encode(transport.remoteStatic.serialized(compressed: true))
                peerID = id
                handshakenAt = now
                lastPing = now
                pongWindow = now
                out.append(.handshakeComplete(peerID: id))
                let ours = InitMessage(features: AltnetFeature.setting(AltnetFeature.optionalBit, in: []),
                                       networks: [settings.chainHash])
                try sendControl(.initMessage(ours))
                out += try drain(now: now)
            }
        }
        return out
    }

    /// Decrypts and handles every whole message buffered.
    mutating func drain(now: Instant) throws(LinkError) -> [BOLT8PeerEvent] {
        var out: [BOLT8PeerEvent] = []
        while true {
            let next: [UInt8]?
            do throws(BOLT8Error) {
                next = try receiver?.nextMessage()
            } catch {
                throw fail(.transport(error))
            }
            guard let bytes = next else { return out }
            do throws(LinkError) {
                out += try handle(bytes, now: now)
            } catch {
                throw fail(error)
            }
        }
    }
}
