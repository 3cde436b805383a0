@testable import BIP324
import Testing

@Suite("BIP324 damage")
struct DamageTests {
    @Test("every single-bit flip of a packet is rejected")
    func everyBitFlip() throws {
        var (i, r) = try Fixture.connected()
        try i.send(BIP324Message(command: "headers", payload: (0..<100).map { UInt8($0) }))
        let packet = i.takeBytesToSend()
        #expect(packet.count == 3 + 1 + 1 + 100 + 16)
        // Control: the undamaged packet is accepted.
        var control = r
        #expect(try control.receive(packet).count == 1)

        for bit in 0..<(packet.count * 8) {
            var damaged = packet
            damaged[bit / 8] ^= 1 << UInt8(bit % 8)
            var victim = r
            var events: [BIP324Event] = []
            var error: BIP324Error?
            do {
                events += try victim.receive(damaged)
                if bit < 24 {
                    // A flipped length asks for more bytes: supply them; authentication must fail.
                    let contentsLength = packet.count - BIP324Cipher.overhead  // 101
                    let declared = contentsLength ^ (1 << bit)
                    events += try victim.receive([UInt8](repeating: 0, count: max(0, declared - contentsLength) + 1))
                }
            } catch let e {
                error = e
            }
            #expect(events.isEmpty, "bit \(bit): damaged packet produced \(events)")
            #expect(error != nil, "bit \(bit): damaged packet was not rejected")
            if bit >= 24 { #expect(error == BIP324Error(.packetAuthenticationFailed), "bit \(bit)") }
        }
    }

    @Test("keys from the wrong side, or another session, fail authentication")
    func wrongKeys() throws {
        let keys = try BIP324Keys(sharedSecret: [UInt8](repeating: 5, count: 32), networkMagic: Fixture.regtestMagic)
        var sender = try BIP324Cipher(keys: keys, initiating: true)
        let sameSide = try BIP324Cipher(keys: keys, initiating: true)
        var right = try BIP324Cipher(keys: keys, initiating: false)
        let other = try BIP324Keys(sharedSecret: [UInt8](repeating: 6, count: 32), networkMagic: Fixture.regtestMagic)
        let stranger = try BIP324Cipher(keys: other, initiating: false)
        let mainnet = try BIP324Keys(sharedSecret: [UInt8](repeating: 5, count: 32), networkMagic: [0xF9, 0xBE, 0xB4, 0xD9])
        let otherNetwork = try BIP324Cipher(keys: mainnet, initiating: false)

        let packet = try sender.encrypt(contents: [1, 2, 3, 4])
        for var wrong in [sameSide, stranger, otherNetwork] {
            _ = try? wrong.decryptLength(packet[0..<3])
            #expect(throws: BIP324Error(.packetAuthenticationFailed)) { try wrong.decrypt(packet[3...]) }
        }
        #expect(try right.decryptLength(packet[0..<3]) == 4)
        #expect(try right.decrypt(packet[3...]).contents == [1, 2, 3, 4])

        // Transport level: packets keyed for the other direction (our own, reflected) fail.
        var (i, _) = try Fixture.connected()
        try i.send(BIP324Message(command: "ping", payload: [1, 2, 3, 4, 5, 6, 7, 8]))
        let reflected = i.takeBytesToSend()
        #expect(throws: BIP324Error.self) {
            var events = try i.receive(reflected)
            // A wrong-key length may decrypt to a legal size: supply bytes until the tag is checked.
            events += try i.receive([UInt8](repeating: 0, count: BIP324Transport.maxContentsLength + 20))
            #expect(events.isEmpty)
        }
    }

    @Test("4,096 bytes of garbage without a terminator end the handshake with a clear error")
    func garbageWithoutTerminator() throws {
        var (i, r) = try Fixture.pair(initiatorGarbage: 0)
        let initiatorBytes = i.takeBytesToSend()
        let key = Array(initiatorBytes.prefix(64))
        _ = try r.receive(key)
        // 4095 + 15 bytes without the terminator: still legal (the terminator could follow).
        _ = try r.receive([UInt8](repeating: 0x5A, count: 4095 + 15))
        do {
            _ = try r.receive([0x5A])
            Issue.record("the 4,096th byte of garbage was accepted")
        } catch {
            #expect(error == BIP324Error(.garbageTerminatorNotFound(receivedBytes: 4096 + 15)))
            #expect(error.description.contains("no garbage terminator within 4095 bytes"))
        }
        #expect(throws: BIP324Error(.transportClosed)) { try r.receive([0]) }

        // 4,096 bytes of garbage followed by the right terminator: also refused.
        var (i2, r2) = try Fixture.pair(initiatorGarbage: 0)
        _ = try r2.receive(i2.takeBytesToSend().prefix(64))
        _ = try i2.receive(r2.takeBytesToSend())
        let terminator = try #require(r2.cipher?.receiveGarbageTerminator)
        #expect(throws: BIP324Error(.garbageTerminatorNotFound(receivedBytes: 4096 + 16))) {
            try r2.receive([UInt8](repeating: 1, count: 4096) + terminator)
        }
    }

    @Test("a length prefix above the maximum is refused from its 3 bytes alone")
    func oversizedLength() throws {
        var (i, r) = try Fixture.connected()
        let forged = try #require(try i.cipher?.encryptLength(BIP324Transport.maxContentsLength + 1))
        #expect(forged.count == 3)
        #expect(throws: BIP324Error(.contentsTooLarge(length: BIP324Transport.maxContentsLength + 1))) {
            try r.receive(forged)
        }
        // Exactly the maximum is legal: the receiver waits for the rest without complaint.
        var (i2, r2) = try Fixture.connected()
        let atMax = try #require(try i2.cipher?.encryptLength(BIP324Transport.maxContentsLength))
        #expect(try r2.receive(atMax).isEmpty)
    }
}
