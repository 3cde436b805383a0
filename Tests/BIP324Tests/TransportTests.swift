@testable import BIP324
import Testing

@Suite("BIP324 transport")
struct TransportTests {
    @Test("handshake with garbage and decoys, then messages both ways, short and long ids")
    func handshakeAndMessages() throws {
        var (i, r) = try Fixture.pair(initiatorDecoys: [5], responderDecoys: [1, 0, 300])
        // Queued before the keys exist: goes out right after the version packet.
        try i.send(BIP324Message(command: "version", payload: [1, 2, 3]))
        let (ei, er) = try Fixture.pump(&i, &r)
        let sid = try #require(i.sessionID)
        #expect(r.sessionID == sid)
        #expect(ei == [.handshakeComplete(sessionID: sid)])
        #expect(er == [.handshakeComplete(sessionID: sid), .message(BIP324Message(command: "version", payload: [1, 2, 3]))])
        #expect(i.isReady && r.isReady)

        let messages = [
            BIP324Message(command: "verack", payload: []),
            BIP324Message(command: "ping", payload: [8, 7, 6, 5, 4, 3, 2, 1]),
            BIP324Message(command: "headers", payload: [UInt8](repeating: 0xAB, count: 70_000)),
            BIP324Message(command: "sendaddrv2", payload: []),
            BIP324Message(command: "feature", payload: [9]),
        ]
        for m in messages {
            try r.send(m)
            try r.sendDecoy(length: 33)
            try i.send(m)
        }
        let (ei2, er2) = try Fixture.pump(&i, &r)
        #expect(ei2 == messages.map { .message($0) })
        #expect(er2 == messages.map { .message($0) })
    }

    @Test("more than 224 packets each way: both ciphers rekey in step")
    func rekeying() throws {
        var (i, r) = try Fixture.connected()
        for n in 0..<500 {
            try i.send(BIP324Message(command: "ping", payload: [UInt8(n & 0xFF), UInt8(n >> 8)]))
            try r.send(BIP324Message(command: "pong", payload: [UInt8(n & 0xFF)]))
        }
        let (ei, er) = try Fixture.pump(&i, &r)
        #expect(er.count == 500 && ei.count == 500)
        #expect(er.last == .message(BIP324Message(command: "ping", payload: [UInt8(499 & 0xFF), 1])))
    }

    @Test("bytes fed one at a time decode identically")
    func byteAtATime() throws {
        var (i, r) = try Fixture.pair(initiatorGarbage: 4095, responderDecoys: [2, 70])
        var (i2, r2) = (i, r)
        let payload = (0..<5000).map { UInt8(truncatingIfNeeded: $0) }
        try i.send(BIP324Message(command: "headers", payload: payload))
        try i2.send(BIP324Message(command: "headers", payload: payload))
        let (_, whole) = try Fixture.pump(&i, &r)

        // Same transports (same keys and randomness), but every byte delivered alone.
        var events: [BIP324Event] = []
        var back: [BIP324Event] = []
        while i2.hasBytesToSend || r2.hasBytesToSend {
            for byte in i2.takeBytesToSend() { events += try r2.receive([byte]) }
            for byte in r2.takeBytesToSend() { back += try i2.receive(CollectionOfOne(byte)) }
        }
        #expect(whole.count == 2)
        #expect(events == whole)
        #expect(back.count == 1)
    }

    @Test("byte pump: partial writes through withBytesToSend deliver the same messages")
    func partialWrites() throws {
        var (i, r) = try Fixture.connected()
        let messages = (0..<30).map { BIP324Message(command: $0 % 2 == 0 ? "inv" : "getdata", payload: [UInt8](repeating: UInt8($0), count: $0 * 37)) }
        for m in messages { try i.send(m) }
        var events: [BIP324Event] = []
        while i.hasBytesToSend {
            // A socket that accepts at most 7 bytes per write.
            try i.withBytesToSend { bytes in
                let n = min(7, bytes.count)
                events += try r.receive(UnsafeRawBufferPointer(rebasing: bytes[..<n]))
                return n
            }
        }
        #expect(events == messages.map { .message($0) })
    }

    @Test("responder detects a v1 peer and reports every byte received")
    func v1Detection() throws {
        var (_, r) = try Fixture.pair()
        let v1 = Fixture.regtestMagic + Array("version".utf8) + [0, 0, 0, 0, 0] + [0x66, 0, 0, 0, 0xAA]
        var events: [BIP324Event] = []
        for byte in v1.prefix(15) { events += try r.receive([byte]) }
        #expect(events.isEmpty && !r.hasBytesToSend)
        events += try r.receive(v1.dropFirst(15))
        #expect(events == [.v1PeerDetected(received: v1)])
        #expect(!r.hasBytesToSend, "a v1 peer must not see our key")
        #expect(throws: BIP324Error(.transportClosed)) { try r.receive([0]) }

        // Same magic but another command: v2 goes on, our key goes out.
        var (_, r2) = try Fixture.pair()
        _ = try r2.receive(Fixture.regtestMagic + Array("verack".utf8))
        #expect(r2.hasBytesToSend)
    }

    @Test("sending bad commands and oversized decoys throws, never traps")
    func callerErrors() throws {
        var (i, _) = try Fixture.connected()
        #expect(throws: BIP324Error.self) { try i.send(BIP324Message(command: "", payload: [])) }
        #expect(throws: BIP324Error.self) { try i.send(BIP324Message(command: "thirteenchars", payload: [])) }
        #expect(throws: BIP324Error.self) { try i.sendDecoy(length: -1) }
        #expect(throws: BIP324Error.self) {
            _ = try BIP324Transport(role: .initiator, networkMagic: Fixture.regtestMagic, privateKey: Fixture.key(3),
                                    ellswiftRandomness: [UInt8](repeating: 1, count: 32),
                                    garbage: [UInt8](repeating: 0, count: 4096))
        }
    }
}
