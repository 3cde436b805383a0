import BitcoinPrimitives
import DriverProtocol
import LightningAltnetMessages
import LightningDriverCore
import Testing

/// The carrier-independent altnet session: Lightning messages by peer id in, by peer id out.
@Suite("AltnetSession: fragments, capability, reply pairing")
struct AltnetSessionTests {
    static func pattern(_ count: Int) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) } }

    @Test("a 200,000-byte message goes out in fragments through two BOLT 8 sessions and comes back whole")
    func fragmentedThroughTheCarrier() throws {
        var pair = SessionPair()
        try pair.run()
        var aliceAltnet = AltnetSession()
        var bobAltnet = AltnetSession()
        aliceAltnet.connect(pair.bobID, altnet: true)
        bobAltnet.connect(pair.aliceID, altnet: true)
        let payload = Self.pattern(200_000)
        let outgoing = try #require(aliceAltnet.send(try AltnetMessage(command: "headers", payload: payload), to: pair.bobID))
        #expect(outgoing.peer == pair.bobID)
        #expect(outgoing.messages.count == 4)
        #expect(outgoing.messages.allSatisfy { $0.type == AltnetWire.fragmentType && $0.wireSize <= 65_535 })
        try pair.alice.send(outgoing.messages)
        pair.bobEvents = []
        try pair.exchange()
        var delivered: [AltnetSessionEvent] = []
        for message in messages(pair.bobEvents) {
            delivered += try bobAltnet.receive(message, from: pair.aliceID, now: pair.start)
        }
        #expect(delivered == [.received(from: pair.aliceID, DriverP2PMessage(command: "headers", payload: Hex.encode(payload)))])
        #expect(bobAltnet.bufferedBytes(from: pair.aliceID) == 0)
    }

    @Test("out-of-order, duplicate, overlapping and stray fragments are refused with their reason", arguments: [
        ([0, 2], AltnetMessageError.Reason.fragmentGap(offset: 40, expected: 20)),
        ([0, 1, 1], .duplicateFragment(offset: 20, expected: 40)),
        ([0, 0], .duplicateFragment(offset: 0, expected: 20)),
        ([1], .unknownMessage(offset: 20)),
    ])
    func badFragmentOrder(order: [Int], reason: AltnetMessageError.Reason) throws {
        let pieces = Fragments.split(id: 5, "block", Self.pattern(100), size: 20)
        var session = AltnetSession()
        session.connect("p", altnet: true)
        for index in order.dropLast() {
            #expect(try session.receive(pieces[index], from: "p", now: .now).isEmpty)
        }
        let error = try #require(throws: AltnetMessageError.self) {
            try session.receive(pieces[order.last!], from: "p", now: .now)
        }
        #expect(error.reason == reason)
        #expect(error.messageID == 5)
        #expect(error.action == .disconnect)
        #expect(session.bufferedBytes(from: "p") == 0, "a violation releases what the peer made us hold")
    }

    @Test("an oversized total_length is refused; fragments in order reassemble")
    func oversizedAndInOrder() throws {
        var session = AltnetSession()
        session.connect("p", altnet: true)
        let limit = AltnetWire.maxBodyLength
        let error = try #require(throws: AltnetMessageError.self) {
            try session.receive(Fragments.fragment(id: 1, total: UInt32(limit + 1), offset: 0, data: Fragments.body("block", [0])),
                                from: "p", now: .now)
        }
        #expect(error.reason == .messageTooLarge(totalLength: limit + 1, limit: limit))

        var fresh = AltnetSession()
        fresh.connect("p", altnet: true)
        let payload = Self.pattern(100)
        var events: [AltnetSessionEvent] = []
        for piece in Fragments.split(id: 6, "block", payload, size: 20) {
            events += try fresh.receive(piece, from: "p", now: .now)
        }
        #expect(events == [.received(from: "p", DriverP2PMessage(command: "block", payload: Hex.encode(payload)))])
    }

    @Test("a message not complete by the reassembly deadline is dropped, the peer kept")
    func deadline() throws {
        var session = AltnetSession(limits: AltnetReassemblyLimits(reassemblyTimeout: .seconds(2)))
        session.connect("p", altnet: true)
        let start = ContinuousClock.now
        let pieces = Fragments.split(id: 3, "block", Self.pattern(100), size: 40)
        #expect(try session.receive(pieces[0], from: "p", now: start).isEmpty)
        #expect(session.bufferedBytes(from: "p") > 0)
        #expect(session.expire(now: start.advanced(by: .seconds(1))).isEmpty)
        let dropped = session.expire(now: start.advanced(by: .seconds(2)))
        #expect(dropped == [.dropped(peer: "p", AltnetMessageError(.expired(command: "block", received: 40, totalLength: 106), messageID: 3))])
        #expect(session.bufferedBytes(from: "p") == 0)
        // Its later fragments are discarded quietly; the link stays.
        #expect(try session.receive(pieces[1], from: "p", now: start.advanced(by: .seconds(3))).isEmpty)
    }

    @Test("plain Lightning peers get no altnet messages and theirs are ignored")
    func capability() throws {
        var session = AltnetSession()
        session.connect("plain", altnet: false)
        let tx = try AltnetMessage(command: "tx", payload: [1, 2, 3])
        #expect(session.send(tx, to: "plain") == nil)
        #expect(session.broadcast(tx).isEmpty)
        #expect(session.altnetPeers.isEmpty)
        let whole = LightningMessage(type: AltnetWire.messageType, payload: Fragments.body("tx", [1]))
        #expect(try session.receive(whole, from: "plain", now: .now)
                == [.ignored("ignored altnet message type 42001 from a peer that did not advertise altnet")])
        var rng = SplitMix64(seed: 1)
        let named = try #require(throws: DriverProtocolError.self) { try session.choosePeer("plain", using: &rng) }
        #expect(named.message.contains("plain Lightning peer"), "\(named.message)")
        let any = try #require(throws: DriverProtocolError.self) { try session.choosePeer(nil, using: &rng) }
        #expect(any.message.contains("no altnet peer connected"))

        session.connect("altnet", altnet: true)
        #expect(try session.choosePeer(nil, using: &rng) == "altnet")
        #expect(session.broadcast(tx).map(\.peer) == ["altnet"])
        #expect(try session.receive(whole, from: "altnet", now: .now)
                == [.received(from: "altnet", DriverP2PMessage(command: "tx", payload: "01"))])
    }

    @Test("a reply goes to the request from that peer it answers; everything else to the core")
    func replyPairing() throws {
        var session = AltnetSession()
        session.connect("p", altnet: true)
        session.connect("q", altnet: true)
        let first = Hash256(words: (1, 0, 0, 0)), second = Hash256(words: (2, 0, 0, 0))
        func inventory(_ hashes: [Hash256]) -> [UInt8] {
            var writer = ByteWriter()
            Inventory.encodeList(hashes.map { Inventory(type: .block, hash: $0) }, to: &writer)
            return writer.bytes
        }
        func notfound(_ hash: Hash256) -> LightningMessage {
            LightningMessage(type: AltnetWire.messageType, payload: Fragments.body("notfound", inventory([hash])))
        }
        let one = try #require(session.request(try AltnetMessage(command: "getdata", payload: inventory([first])), to: "p",
                                               expect: ["block", "notfound"]))
        let two = try #require(session.request(try AltnetMessage(command: "getdata", payload: inventory([second])), to: "p",
                                               expect: ["block", "notfound"]))
        #expect(one.outgoing.peer == "p" && one.id != two.id)
        #expect(session.pendingRequests == 2)

        // The same answer from another peer is not a reply.
        #expect(try session.receive(notfound(first), from: "q", now: .now)
                == [.received(from: "q", DriverP2PMessage(command: "notfound", payload: Hex.encode(inventory([first]))))])
        // The answer to the younger request goes to it, not to the oldest.
        #expect(try session.receive(notfound(second), from: "p", now: .now)
                == [.reply(two.id, try AltnetMessage(command: "notfound", payload: inventory([second])))])
        #expect(session.isPending(one.id) && !session.isPending(two.id))
        #expect(try session.receive(notfound(first), from: "p", now: .now)
                == [.reply(one.id, try AltnetMessage(command: "notfound", payload: inventory([first])))])
        #expect(session.pendingRequests == 0)

        // A request dies with its peer, or when cancelled.
        let three = try #require(session.request(try AltnetMessage(command: "getdata", payload: inventory([first])), to: "q", expect: ["block"]))
        let four = try #require(session.request(try AltnetMessage(command: "getdata", payload: inventory([first])), to: "p", expect: ["block"]))
        #expect(session.disconnect("q") == [three.id])
        session.cancel(four.id)
        #expect(session.pendingRequests == 0)
        #expect(session.request(try AltnetMessage(command: "getdata", payload: []), to: "q", expect: ["block"]) == nil)
    }
}
