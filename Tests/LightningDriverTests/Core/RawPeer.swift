import BOLT8
import LightningAltnetMessages
import LightningDriverCore
import Secp256k1

/// A Lightning peer built straight on the BOLT8 module, so a test can send what a
/// ``BOLT8PeerSession`` never would (an `init` without the altnet bit, no `init` at all, floods,
/// hostile fragments) and read what the session sent.
struct RawPeer {
    let key = LocalNodeKey(privateKey: PrivateKey())
    var transport: BOLT8Transport?

    var id: String { hex(key.publicKey) }

    /// Dials `session` (a responder with node key `sessionKey`) and completes the handshake.
    /// - Returns: the session's events (its `handshakeComplete`); its `init` waits in its outbox.
    mutating func connect(to session: inout BOLT8PeerSession, sessionKey: LocalNodeKey,
                          now: ContinuousClock.Instant) throws -> [BOLT8PeerEvent] {
        var handshake = Handshake(role: .initiator(remoteStatic: sessionKey.publicKey), localStatic: key.publicKey)
        var events = try SessionPair.feed(&session, Self.sent(try handshake.start()), key: sessionKey, now: now)
        var steps = try handshake.receive(SessionPair.drain(&session))
        guard case .needStaticECDH(let point)? = steps.first else { throw RawPeerError.unexpected("\(steps)") }
        steps = try handshake.resume(staticECDH: try key.ecdhSync(point))
        for step in steps { if case .complete(let done) = step { transport = done } }
        events += try SessionPair.feed(&session, Self.sent(steps), key: sessionKey, now: now)
        return events
    }

    /// One BOLT 1 message, encrypted for the session.
    mutating func packet(_ message: BOLT1Message) throws -> [UInt8] {
        try transport!.encrypt(try message.encoded())
    }

    /// A custom message (type and payload), encrypted for the session.
    mutating func packet(_ message: LightningMessage) throws -> [UInt8] {
        try packet(.custom(type: message.type, payload: message.payload))
    }

    /// Decrypts what the session sent.
    mutating func read(_ bytes: [UInt8]) throws -> [BOLT1Message] {
        transport!.feed(bytes)
        var out: [BOLT1Message] = []
        while let message = try transport!.nextMessage() {
            out.append(try BOLT1Message.decode(message, understoodCustomTypes: BOLT8PeerSession.understoodCustomTypes))
        }
        return out
    }

    /// An `init` naming `chain`, with `features`.
    static func initMessage(features: [UInt8], chain: [UInt8] = SessionPair.chain) -> BOLT1Message {
        .initMessage(InitMessage(features: features, networks: [chain]))
    }

    static func sent(_ events: [HandshakeEvent]) -> [UInt8] {
        events.flatMap { (event: HandshakeEvent) -> [UInt8] in
            if case .send(let bytes) = event { return bytes }
            return []
        }
    }
}

enum RawPeerError: Error { case unexpected(String) }
