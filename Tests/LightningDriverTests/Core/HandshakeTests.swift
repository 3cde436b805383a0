import BOLT8
import LightningAltnetMessages
import LightningDriverCore
import Secp256k1
import Testing

/// The BOLT 8 carrier session's handshake and `init`, two sessions wired by hand.
@Suite("BOLT8PeerSession: handshake and init")
struct HandshakeTests {
    @Test("initiator and responder complete the handshake and exchange init with the altnet bit")
    func fullHandshake() throws {
        var pair = SessionPair()
        try pair.run()
        #expect(pair.aliceEvents == [.handshakeComplete(peerID: pair.bobID), .ready(altnet: true)])
        #expect(pair.bobEvents == [.handshakeComplete(peerID: pair.aliceID), .ready(altnet: true)])
        #expect(pair.alice.peerID == pair.bobID)
        #expect(pair.bob.peerID == pair.aliceID)
        #expect(pair.alice.isOpen && pair.bob.isOpen)
        #expect(pair.alice.initReceived && pair.bob.initReceived)
    }

    @Test("act three and init split at every offset give the responder the same events")
    func splitAtEveryOffset() throws {
        var reference = SessionPair()
        _ = try reference.alice.start(now: reference.start)
        let actOne = SessionPair.drain(&reference.alice)
        _ = try SessionPair.feed(&reference.bob, actOne, key: reference.bobKey, now: reference.start)
        _ = try SessionPair.feed(&reference.alice, SessionPair.drain(&reference.bob), key: reference.aliceKey, now: reference.start)
        let streamLength = SessionPair.drain(&reference.alice).count
        #expect(streamLength > 66, "act three (66 bytes) and Alice's init follow in one read")

        for split in 0...streamLength {
            var pair = SessionPair()
            _ = try SessionPair.resolve(try pair.alice.start(now: pair.start), &pair.alice, key: pair.aliceKey, now: pair.start)
            _ = try SessionPair.feed(&pair.bob, SessionPair.drain(&pair.alice), key: pair.bobKey, now: pair.start)
            _ = try SessionPair.feed(&pair.alice, SessionPair.drain(&pair.bob), key: pair.aliceKey, now: pair.start)
            let stream = SessionPair.drain(&pair.alice)
            #expect(stream.count == streamLength)
            var events = try SessionPair.feed(&pair.bob, Array(stream[..<split]), key: pair.bobKey, now: pair.start)
            events += try SessionPair.feed(&pair.bob, Array(stream[split...]), key: pair.bobKey, now: pair.start)
            #expect(events == [.handshakeComplete(peerID: pair.aliceID), .ready(altnet: true)], "split at \(split)")
        }
    }

    @Test("an altnet message fed one byte at a time arrives whole, once")
    func byteAtATime() throws {
        var pair = SessionPair()
        try pair.run()
        let message = LightningMessage(type: AltnetWire.messageType, payload: [7, 0x74, 0x78, 0x2d, 0x74, 0x65, 0x73, 0x74] + [UInt8](repeating: 9, count: 300))
        try pair.alice.send([message])
        let bytes = SessionPair.drain(&pair.alice)
        var events: [BOLT8PeerEvent] = []
        for byte in bytes {
            events += try pair.bob.receive([byte], now: pair.start)
        }
        #expect(events == [.message(message)])
    }

    @Test("a peer whose init lacks bits 420 and 421 is a plain Lightning peer")
    func initWithoutAltnetBit() throws {
        for (features, altnet) in [
            ([UInt8](), false), ([0x02], false),
            (AltnetFeature.setting(AltnetFeature.optionalBit, in: []), true),
            (AltnetFeature.setting(AltnetFeature.compulsoryBit, in: []), true),
        ] {
            let sessionKey = LocalNodeKey(privateKey: PrivateKey())
            var session = BOLT8PeerSession(role: .responder, localStatic: sessionKey.publicKey,
                                           settings: .init(chainHash: SessionPair.chain))
            var peer = RawPeer()
            let now = ContinuousClock.now
            let handshake = try peer.connect(to: &session, sessionKey: sessionKey, now: now)
            #expect(handshake == [.handshakeComplete(peerID: peer.id)])
            let events = try session.receive(try peer.packet(RawPeer.initMessage(features: features)), now: now)
            #expect(events == [.ready(altnet: altnet)], "features \(features)")
        }
    }

    @Test("our init carries feature bit 421 and our chain")
    func ourInit() throws {
        let sessionKey = LocalNodeKey(privateKey: PrivateKey())
        var session = BOLT8PeerSession(role: .responder, localStatic: sessionKey.publicKey, settings: .init(chainHash: SessionPair.chain))
        var peer = RawPeer()
        _ = try peer.connect(to: &session, sessionKey: sessionKey, now: .now)
        let sent = try peer.read(SessionPair.drain(&session))
        #expect(sent.count == 1, "\(sent)")
        let ours = try #require(sent.compactMap { if case .initMessage(let m) = $0 { m } else { nil } }.first)
        #expect(AltnetFeature.isSet(AltnetFeature.optionalBit, in: ours.features))
        #expect(!AltnetFeature.isSet(AltnetFeature.compulsoryBit, in: ours.features))
        #expect(ours.networks == [SessionPair.chain])
    }

    @Test("another chain, or a first message that is not init, closes the link")
    func badInit() throws {
        let cases: [(BOLT1Message, LinkError)] = [
            (RawPeer.initMessage(features: [], chain: [UInt8](repeating: 1, count: 32)), .wrongChain),
            (.ping(Ping(numPongBytes: 4)), .firstMessageNotInit(MessageType.ping)),
        ]
        for (first, expected) in cases {
            let sessionKey = LocalNodeKey(privateKey: PrivateKey())
            var session = BOLT8PeerSession(role: .responder, localStatic: sessionKey.publicKey, settings: .init(chainHash: SessionPair.chain))
            var peer = RawPeer()
            _ = try peer.connect(to: &session, sessionKey: sessionKey, now: .now)
            let packet = try peer.packet(first)
            #expect(throws: expected) { try session.receive(packet, now: .now) }
            #expect(!session.isOpen)
            #expect(throws: expected, "closed for good") { try session.receive([], now: .now) }
        }
    }

    @Test("a wrong ECDH answer and a bad act fail the handshake with their reason")
    func handshakeFailures() throws {
        var pair = SessionPair()
        _ = try pair.alice.start(now: pair.start)
        let events = try pair.bob.receive(SessionPair.drain(&pair.alice), now: pair.start)
        #expect(events.count == 1 && events.allSatisfy { if case .needStaticECDH = $0 { true } else { false } }, "\(events)")
        #expect(throws: LinkError.badECDHAnswer(31)) { try pair.bob.resume(staticECDH: [UInt8](repeating: 0, count: 31), now: pair.start) }

        var other = SessionPair()
        _ = try other.alice.start(now: other.start)
        var actOne = SessionPair.drain(&other.alice)
        actOne[0] = 1
        #expect(throws: LinkError.transport(.badVersion(act: 1, version: 1))) { try other.bob.receive(actOne, now: other.start) }
        #expect(other.bob.endOfInput() == .transport(.badVersion(act: 1, version: 1)))

        var cut = SessionPair()
        _ = try cut.alice.start(now: cut.start)
        _ = try cut.bob.receive(Array(SessionPair.drain(&cut.alice).prefix(20)), now: cut.start)
        #expect(cut.bob.endOfInput() == .closedDuringHandshake)
    }
}
