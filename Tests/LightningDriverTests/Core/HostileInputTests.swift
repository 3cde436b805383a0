import BOLT8
import LightningAltnetMessages
import LightningDriverCore
import Secp256k1
import Testing

/// What a hostile peer can send the carrier session and the altnet session, and what it costs us.
@Suite("LightningDriverCore: hostile input")
struct HostileInputTests {
    @Test("a hostile altnet total_length is refused at the first fragment, before anything is held")
    func hostileTotalLength() throws {
        var session = AltnetSession()
        session.connect("peer", altnet: true)
        let hostile = Fragments.fragment(id: 1, total: UInt32.max, offset: 0, data: Fragments.body("block", [1, 2, 3]))
        #expect(throws: AltnetMessageError(.messageTooLarge(totalLength: Int(UInt32.max), limit: AltnetWire.maxBodyLength), messageID: 1)) {
            try session.receive(hostile, from: "peer", now: .now)
        }
        #expect(session.bufferedBytes(from: "peer") == 0)
        // The reassembler refuses everything after a violation: the carrier closes the link.
        #expect(throws: AltnetMessageError(.reassemblerFailed)) {
            try session.receive(Fragments.fragment(id: 2, total: 10, offset: 0, data: Fragments.body("tx", [1])), from: "peer", now: .now)
        }
    }

    @Test("a hostile total_length arrives through the BOLT 8 carrier as a message of 34 bytes, nothing more")
    func hostileLengthThroughTheCarrier() throws {
        let sessionKey = LocalNodeKey(privateKey: PrivateKey())
        var carrier = BOLT8PeerSession(role: .responder, localStatic: sessionKey.publicKey, settings: .init(chainHash: SessionPair.chain))
        var peer = RawPeer()
        _ = try peer.connect(to: &carrier, sessionKey: sessionKey, now: .now)
        let features = AltnetFeature.setting(AltnetFeature.optionalBit, in: [])
        #expect(try carrier.receive(try peer.packet(RawPeer.initMessage(features: features)), now: .now) == [.ready(altnet: true)])
        var altnet = AltnetSession()
        altnet.connect(peer.id, altnet: true)
        let hostile = Fragments.fragment(id: 9, total: 0x7fff_ffff, offset: 0, data: [5] + Array("block".utf8) + [0])
        let events = try carrier.receive(try peer.packet(hostile), now: .now)
        #expect(events == [.message(hostile)])
        #expect(throws: AltnetMessageError(.messageTooLarge(totalLength: 0x7fff_ffff, limit: AltnetWire.maxBodyLength), messageID: 9)) {
            try altnet.receive(hostile, from: peer.id, now: .now)
        }
        #expect(altnet.bufferedBytes(from: peer.id) == 0)
    }

    @Test("a BOLT 8 length prefix that does not authenticate is refused before its body is awaited")
    func forgedLengthPrefix() throws {
        var pair = SessionPair()
        try pair.run()
        // 0xffff with a made-up tag: the length is believed only after its tag verifies.
        let forged: [UInt8] = [0xff, 0xff] + [UInt8](repeating: 0xaa, count: 16)
        #expect(throws: LinkError.transport(.badLengthTag)) { try pair.bob.receive(forged, now: pair.start) }
        #expect(!pair.bob.isOpen)
        #expect(pair.bob.endOfInput() == .transport(.badLengthTag))
    }

    @Test("more handshake input than the acts can hold is refused")
    func handshakeFlood() throws {
        var pair = SessionPair()
        let flood = [UInt8](repeating: 0, count: Handshake.maxPendingInput + 1)
        #expect(throws: LinkError.transport(.tooMuchHandshakeInput(limit: Handshake.maxPendingInput))) {
            try pair.bob.receive(flood, now: pair.start)
        }
    }

    @Test("altnet messages past the outbound queue limit are refused whole; control messages get an allowance, then not reading")
    func outboundQueue() throws {
        var pair = SessionPair(settings: .init(chainHash: SessionPair.chain, queueLimit: 100_000))
        try pair.run()
        let big = LightningMessage(type: AltnetWire.fragmentType, payload: [UInt8](repeating: 1, count: 60_000))
        try pair.alice.send([big])
        #expect(pair.alice.queuedBytes == big.wireSize)
        #expect(throws: OutboundQueueFull(peer: pair.bobID, queued: big.wireSize, size: 2 * big.wireSize, limit: 100_000)) {
            try pair.alice.send([big, big])
        }
        #expect(pair.alice.queuedBytes == big.wireSize, "all or none")
        let packets = pair.alice.takePackets()
        #expect(packets.count == 1)
        pair.alice.didWrite(packets[0].messageBytes)
        #expect(pair.alice.queuedBytes == 0)

    }

    @Test("a peer that never reads our pongs is dropped once the control allowance is used up")
    func notReading() throws {
        let sessionKey = LocalNodeKey(privateKey: PrivateKey())
        var session = BOLT8PeerSession(role: .responder, localStatic: sessionKey.publicKey,
                                       settings: .init(chainHash: SessionPair.chain, queueLimit: 100_000))
        var peer = RawPeer()
        let now = ContinuousClock.now
        _ = try peer.connect(to: &session, sessionKey: sessionKey, now: now)
        _ = try session.receive(try peer.packet(RawPeer.initMessage(features: [])), now: now)
        // Nothing the session queues is ever written: its writer is stuck on a peer that does not read.
        var pings: [UInt8] = []
        for _ in 0..<BOLT8PeerSession.pongsPerSecond { pings += try peer.packet(.ping(Ping(numPongBytes: 65_000))) }
        let limit = 100_000 + BOLT8PeerSession.controlAllowance
        let pongSize = 2 + 2 + 65_000
        let before = session.queuedBytes
        #expect(before > 0, "our init is still queued")
        let fitting = (limit - before) / pongSize
        #expect(fitting < BOLT8PeerSession.pongsPerSecond)
        #expect(throws: LinkError.notReading(before + fitting * pongSize)) {
            try session.receive(pings, now: now)
        }
        #expect(session.queuedBytes <= limit)
        #expect(!session.isOpen)
    }
}
