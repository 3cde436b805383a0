import BitcoinPrimitives
import BOLT8
import LightningAltnetMessages
import LightningDriverCore
import Secp256k1

/// Two ``BOLT8PeerSession``s wired by hand: bytes move only when a test moves them, ECDH is
/// answered from local keys, and `now` is whatever the test says.
struct SessionPair {
    let aliceKey = LocalNodeKey(privateKey: PrivateKey())
    let bobKey = LocalNodeKey(privateKey: PrivateKey())
    var alice: BOLT8PeerSession
    var bob: BOLT8PeerSession
    let start = ContinuousClock.now
    var aliceEvents: [BOLT8PeerEvent] = []
    var bobEvents: [BOLT8PeerEvent] = []

    static let chain = [UInt8](repeating: 0x06, count: 32)

    /// Alice dials Bob.
    init(settings: BOLT8PeerSession.Settings = BOLT8PeerSession.Settings(chainHash: Self.chain)) {
        alice = BOLT8PeerSession(role: .initiator(remoteStatic: bobKey.publicKey), localStatic: aliceKey.publicKey, settings: settings)
        bob = BOLT8PeerSession(role: .responder, localStatic: bobKey.publicKey, settings: settings)
    }

    var aliceID: String { hex(aliceKey.publicKey) }
    var bobID: String { hex(bobKey.publicKey) }

    func at(_ offset: Duration) -> ContinuousClock.Instant { start.advanced(by: offset) }

    /// Feeds `bytes` to a session and answers its ECDH requests with `key`.
    static func feed(_ session: inout BOLT8PeerSession, _ bytes: [UInt8], key: LocalNodeKey,
                     now: ContinuousClock.Instant) throws -> [BOLT8PeerEvent] {
        try resolve(try session.receive(bytes, now: now), &session, key: key, now: now)
    }

    static func resolve(_ events: [BOLT8PeerEvent], _ session: inout BOLT8PeerSession, key: LocalNodeKey,
                        now: ContinuousClock.Instant) throws -> [BOLT8PeerEvent] {
        var out: [BOLT8PeerEvent] = []
        for event in events {
            if case .needStaticECDH(let point) = event {
                out += try resolve(try session.resume(staticECDH: try key.ecdhSync(point), now: now), &session, key: key, now: now)
            } else {
                out.append(event)
            }
        }
        return out
    }

    /// Everything a session has for the socket, as one byte string (written: released).
    static func drain(_ session: inout BOLT8PeerSession) -> [UInt8] {
        let packets = session.takePackets()
        for packet in packets { session.didWrite(packet.messageBytes) }
        return packets.flatMap(\.bytes)
    }

    /// Starts Alice and moves bytes both ways until neither has anything to send.
    mutating func run(now offset: Duration = .zero) throws {
        let now = at(offset)
        if aliceEvents.isEmpty, alice.peerID == nil, !alice.isOpen {
            aliceEvents += try Self.resolve(try alice.start(now: now), &alice, key: aliceKey, now: now)
        }
        try exchange(now: offset)
    }

    /// Moves bytes both ways until quiet.
    mutating func exchange(now offset: Duration = .zero) throws {
        let now = at(offset)
        while true {
            let toBob = Self.drain(&alice)
            if !toBob.isEmpty { bobEvents += try Self.feed(&bob, toBob, key: bobKey, now: now) }
            let toAlice = Self.drain(&bob)
            if !toAlice.isEmpty { aliceEvents += try Self.feed(&alice, toAlice, key: aliceKey, now: now) }
            if toBob.isEmpty && toAlice.isEmpty { return }
        }
    }
}

func hex(_ key: PublicKey) -> String {
    Hex.encode(key.serialized(compressed: true))
}

/// The `ready` events in a list.
func readiness(_ events: [BOLT8PeerEvent]) -> [Bool] {
    events.compactMap { if case .ready(let altnet) = $0 { altnet } else { nil } }
}

/// The custom messages in a list.
func messages(_ events: [BOLT8PeerEvent]) -> [LightningMessage] {
    events.compactMap { if case .message(let message) = $0 { message } else { nil } }
}
