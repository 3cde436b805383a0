import BOLT8
import LightningAltnetMessages
import LightningDriverCore
import Secp256k1
import Testing

/// Pings, pongs and the deadlines, decided by the session as values at the `now` it is given.
@Suite("BOLT8PeerSession: keep-alive and deadlines")
struct KeepAliveTests {
    @Test("a ping left unanswered for pong_timeout is a disconnect decision")
    func pingUnanswered() throws {
        var pair = SessionPair()
        try pair.run()
        #expect(pair.alice.tick(now: pair.at(.seconds(29))) == .wait)
        #expect(pair.alice.tick(now: pair.at(.seconds(30))) == .pinged)
        #expect(pair.alice.unansweredPingSince == pair.at(.seconds(30)))
        #expect(!SessionPair.drain(&pair.alice).isEmpty, "the ping is queued")
        // Bob never sees it, so no pong.
        #expect(pair.alice.tick(now: pair.at(.seconds(59))) == .wait)
        #expect(pair.alice.tick(now: pair.at(.seconds(60))) == .disconnect(.pongTimeout(.seconds(30))))
        #expect("\(LinkError.pongTimeout(.seconds(30)))" == "ping not answered within 30000 ms (pong_timeout_ms)")
        #expect(!pair.alice.isOpen)
        #expect(throws: LinkError.pongTimeout(.seconds(30))) { try pair.alice.receive([], now: pair.at(.seconds(61))) }
    }

    @Test("an answered ping clears the deadline; the next ping follows ping_interval later")
    func pingAnswered() throws {
        var pair = SessionPair()
        try pair.run()
        #expect(pair.alice.tick(now: pair.at(.seconds(30))) == .pinged)
        try pair.exchange(now: .seconds(31))
        #expect(pair.alice.unansweredPingSince == nil)
        #expect(pair.alice.tick(now: pair.at(.seconds(59))) == .wait)
        #expect(pair.alice.tick(now: pair.at(.seconds(60))) == .pinged)
    }

    @Test("a peer that sends no init within init_timeout is a disconnect decision")
    func noInit() throws {
        let sessionKey = LocalNodeKey(privateKey: PrivateKey())
        let settings = BOLT8PeerSession.Settings(chainHash: SessionPair.chain, initTimeout: .seconds(5))
        var session = BOLT8PeerSession(role: .responder, localStatic: sessionKey.publicKey, settings: settings)
        var peer = RawPeer()
        let start = ContinuousClock.now
        _ = try peer.connect(to: &session, sessionKey: sessionKey, now: start)
        #expect(session.tick(now: start.advanced(by: .milliseconds(4999))) == .wait)
        #expect(session.tick(now: start.advanced(by: .seconds(5))) == .disconnect(.noInit(.seconds(5))))
    }

    @Test("no deadline runs during the handshake, and no ping goes out before the peer's init")
    func noPingBeforeInit() throws {
        var pair = SessionPair()
        _ = try pair.alice.start(now: pair.start)
        #expect(pair.alice.tick(now: pair.at(.seconds(600))) == .wait)
        let sessionKey = LocalNodeKey(privateKey: PrivateKey())
        var session = BOLT8PeerSession(role: .responder, localStatic: sessionKey.publicKey, settings: .init(chainHash: SessionPair.chain))
        var peer = RawPeer()
        _ = try peer.connect(to: &session, sessionKey: sessionKey, now: pair.start)
        _ = SessionPair.drain(&session)
        #expect(session.tick(now: pair.at(.seconds(29))) == .wait)
        #expect(SessionPair.drain(&session).isEmpty)
    }

    @Test("pings are answered at most ten a second; the flood is reported once")
    func pingFlood() throws {
        let sessionKey = LocalNodeKey(privateKey: PrivateKey())
        var session = BOLT8PeerSession(role: .responder, localStatic: sessionKey.publicKey, settings: .init(chainHash: SessionPair.chain))
        var peer = RawPeer()
        let start = ContinuousClock.now
        _ = try peer.connect(to: &session, sessionKey: sessionKey, now: start)
        _ = try session.receive(try peer.packet(RawPeer.initMessage(features: [])), now: start)
        _ = try peer.read(SessionPair.drain(&session))
        var flood: [UInt8] = []
        for _ in 0..<25 { flood += try peer.packet(.ping(Ping(numPongBytes: 8))) }
        let events = try session.receive(flood, now: start.advanced(by: .milliseconds(10)))
        #expect(events == [.pingFlood])
        let pongs = try peer.read(SessionPair.drain(&session))
        #expect(pongs == [BOLT1Message](repeating: .pong(Pong(length: 8)), count: BOLT8PeerSession.pongsPerSecond))
        // A second later the window opens again.
        let later = try session.receive(try peer.packet(.ping(Ping(numPongBytes: 2))), now: start.advanced(by: .milliseconds(1100)))
        #expect(later.isEmpty)
        #expect(try peer.read(SessionPair.drain(&session)) == [.pong(Pong(length: 2))])
    }

    @Test("BOLT 1's rules after init: odd unknown ignored, even unknown, error close; warning reported")
    func bolt1Rules() throws {
        let cases: [(BOLT1Message, Result<[BOLT8PeerEvent], LinkError>)] = [
            (.custom(type: 101, payload: [1]), .success([.ignored("ignored unknown odd message type 101")])),
            (.custom(type: 100, payload: [1]), .failure(.protocolViolation("unknown even message type 100: closing (BOLT 1)"))),
            (.error(ErrorMessage(data: Array("bye".utf8))), .failure(.peerError("bye"))),
            (.warning(ErrorMessage(data: Array("hm".utf8))), .success([.peerWarning("hm")])),
            (RawPeer.initMessage(features: []), .success([.ignored("ignored a second init")])),
        ]
        for (message, expected) in cases {
            let sessionKey = LocalNodeKey(privateKey: PrivateKey())
            var session = BOLT8PeerSession(role: .responder, localStatic: sessionKey.publicKey, settings: .init(chainHash: SessionPair.chain))
            var peer = RawPeer()
            _ = try peer.connect(to: &session, sessionKey: sessionKey, now: .now)
            _ = try session.receive(try peer.packet(RawPeer.initMessage(features: [])), now: .now)
            let packet = try peer.packet(message)
            let outcome = Result { () throws(LinkError) in try session.receive(packet, now: .now) }
            #expect(outcome == expected, "\(message)")
        }
    }
}
