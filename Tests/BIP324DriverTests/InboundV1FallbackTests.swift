import BIP324
import BIP324DriverCore
import BitcoinPrimitives
import Testing

/// `listen=` with `--v1-fallback`: the responder's v1 detection turns the session into a
/// plaintext v1 one instead of dropping the peer.
@Suite struct InboundV1FallbackTests {
    static func responder(acceptingV1: Bool) throws -> PeerSession {
        PeerSession(
            transport: try BIP324Transport(role: .responder, networkMagic: NetworkMagic.regtest.wireBytes), nonce: 2,
            unixTime: 1_700_000_000, acceptingV1With: acceptingV1 ? .regtest : nil)
    }

    @Test(arguments: [Int.max, 1, 5])
    func aV1PeerIsServedInPlaintext(chunk: Int) throws {
        var v1Peer = PeerSession(v1Magic: .regtest, nonce: 1, unixTime: 1_700_000_000)
        var responder = try Self.responder(acceptingV1: true)
        let (peerEvents, responderEvents) = try PeerSessionTests.pump(&v1Peer, &responder, chunk: chunk)
        #expect(responder.isV1)
        #expect(responder.isReady && v1Peer.isReady)
        #expect(responderEvents.contains(where: PeerSessionTests.isReady))
        #expect(peerEvents.contains(where: PeerSessionTests.isReady))
        #expect(v1Peer.theirVersion?.userAgentString == "/altnet:0.1/")
        // Messages flow afterwards, checked as on any session.
        try v1Peer.send("tx", [])
        #expect(throws: PeerViolation.self) { try PeerSessionTests.pump(&v1Peer, &responder) }
    }

    @Test func withoutFallbackAV1PeerIsDropped() throws {
        var v1Peer = PeerSession(v1Magic: .regtest, nonce: 1, unixTime: 0)
        var responder = try Self.responder(acceptingV1: false)
        #expect(throws: PeerViolation.self) { try responder.receive(v1Peer.takeBytesToSend()) }
    }

    @Test func aV2PeerStaysV2WhenFallbackIsAllowed() throws {
        var initiator = PeerSession(
            transport: try BIP324Transport(role: .initiator, networkMagic: NetworkMagic.regtest.wireBytes), nonce: 1, unixTime: 0)
        var responder = try Self.responder(acceptingV1: true)
        _ = try PeerSessionTests.pump(&initiator, &responder)
        #expect(!responder.isV1 && responder.isReady)
    }
}
