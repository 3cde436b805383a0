import Secp256k1
import Testing
@testable import BOLT8

/// Damage: whatever the peer garbles, the transport says so with a typed error and never
/// yields a message it should not.
@Suite("BOLT 8 damage")
struct Bolt8DamageTests {
    @Test("every single-bit flip of a packet is rejected")
    func everyBitFlip() async throws {
        var pair = try await HandshakePair.make()
        let message = Array("flip any bit of me and I am gone".utf8)
        let packet = try pair.initiator.encrypt(message)
        for bit in 0..<(packet.count * 8) {
            var damaged = packet
            damaged[bit / 8] ^= 1 << UInt8(bit % 8)
            var receiver = pair.responder.receiver
            receiver.feed(damaged)
            let expected: BOLT8Error = bit < 18 * 8 ? .badLengthTag : .badMessageTag
            #expect(throws: expected, "bit \(bit)") { _ = try receiver.nextMessage() }
        }
        // The undamaged packet still decodes: the flips were judged on their own.
        pair.responder.feed(packet)
        #expect(try pair.responder.nextMessage() == message)
    }

    @Test("a packet decrypted with keys from the wrong side fails")
    func wrongSide() async throws {
        var pair = try await HandshakePair.make()
        var other = try await HandshakePair.make()
        let packet = try pair.initiator.encrypt(Array("for the responder".utf8))
        // The sender's own receiving key is not its sending key.
        var own = pair.initiator
        own.feed(packet)
        #expect(throws: BOLT8Error.badLengthTag) { _ = try own.nextMessage() }
        // Another session's responder, same role, different keys.
        other.responder.feed(packet)
        #expect(throws: BOLT8Error.badLengthTag) { _ = try other.responder.nextMessage() }
        // The right receiver.
        pair.responder.feed(packet)
        #expect(try pair.responder.nextMessage() == Array("for the responder".utf8))
    }

    @Test("an initiator dialling the wrong node id is refused in act one")
    func wrongNodeID() async throws {
        let responderKey = LocalNodeKey(privateKey: PrivateKey())
        let initiatorKey = LocalNodeKey(privateKey: PrivateKey())
        var i = Handshake(role: .initiator(remoteStatic: PrivateKey().publicKey), localStatic: initiatorKey.publicKey)
        var r = Handshake(role: .responder, localStatic: responderKey.publicKey)
        let act1 = try await i.drive(try i.start(), nodeKey: initiatorKey).bytesToSend
        await #expect(throws: BOLT8Error.badTag(act: 1)) {
            _ = try await r.drive(try r.receive(act1), nodeKey: responderKey)
        }
        // Failure is sticky.
        #expect(throws: BOLT8Error.badTag(act: 1)) { _ = try r.receive([0]) }
    }

    @Test("a node key that fails is reported, not trapped")
    func failingNodeKey() async throws {
        struct Refusing: NodeKeyAgreement {
            struct Down: Error {}
            let publicKey = PrivateKey().publicKey
            func ecdh(_ point: PublicKey) async throws -> [UInt8] { throw Down() }
        }
        let key = Refusing()
        var r = Handshake(role: .responder, localStatic: key.publicKey)
        var i = Handshake(role: .initiator(remoteStatic: key.publicKey), localStatic: PrivateKey().publicKey)
        let act1 = try i.start()
        guard case .send(let bytes)? = act1.first else { Issue.record("no act one"); return }
        var failure: BOLT8Error?
        do { _ = try await r.drive(try r.receive(bytes), nodeKey: key) } catch { failure = error }
        guard let failure, case .nodeKeyFailed(let why) = failure else {
            Issue.record("expected nodeKeyFailed, got \(String(describing: failure))")
            return
        }
        #expect(why.contains("Down"))
        // The handshake stays failed with the same error.
        #expect(throws: failure) { _ = try r.resume(staticECDH: [UInt8](repeating: 0, count: 32)) }
    }

    @Test("byte-at-a-time decoding yields exactly what whole-buffer decoding yields")
    func dripFeed() async throws {
        var pair = try await HandshakePair.make()
        let sizes = [0, 1, 5, 17, 18, 100, 1000, 65_535, 2, 33] + Array(repeating: 3, count: 1100)
        var stream: [UInt8] = []
        var sent: [[UInt8]] = []
        for (n, size) in sizes.enumerated() {
            let message = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ n) }
            sent.append(message)
            stream += try pair.initiator.encrypt(message)
        }
        func decode(chunks: [ArraySlice<UInt8>]) throws -> [[UInt8]] {
            var receiver = pair.responder.receiver
            var out: [[UInt8]] = []
            for chunk in chunks {
                receiver.feed(chunk)
                while let m = try receiver.nextMessage() { out.append(m) }
            }
            try receiver.endOfInput()
            return out
        }
        let whole = try decode(chunks: [stream[...]])
        let drip = try decode(chunks: stream.indices.map { stream[$0...$0] })
        var rng = SystemRandomNumberGenerator()
        var ragged: [ArraySlice<UInt8>] = []
        var at = 0
        while at < stream.count {
            let n = min(stream.count - at, Int.random(in: 1...40_000, using: &rng))
            ragged.append(stream[at..<(at + n)])
            at += n
        }
        #expect(whole == sent)
        #expect(drip == whole)
        #expect(try decode(chunks: ragged) == whole)
    }

    @Test("the handshake fed one byte at a time matches the whole acts")
    func dripFeedHandshake() async throws {
        let rKey = LocalNodeKey(privateKey: PrivateKey()), iKey = LocalNodeKey(privateKey: PrivateKey())
        var i = Handshake(role: .initiator(remoteStatic: rKey.publicKey), localStatic: iKey.publicKey)
        var r = Handshake(role: .responder, localStatic: rKey.publicKey)
        _ = try r.start()
        var toResponder = try await i.drive(try i.start(), nodeKey: iKey).bytesToSend
        var initiatorTransport: BOLT8Transport?, responderTransport: BOLT8Transport?
        while responderTransport == nil {
            var toInitiator: [UInt8] = []
            for byte in toResponder {
                let p = try await r.drive(try r.receive([byte]), nodeKey: rKey)
                toInitiator += p.bytesToSend
                if let t = p.transport { responderTransport = t }
            }
            toResponder = []
            for byte in toInitiator {
                let p = try await i.drive(try i.receive([byte]), nodeKey: iKey)
                toResponder += p.bytesToSend
                if let t = p.transport { initiatorTransport = t }
            }
            if toResponder.isEmpty && responderTransport == nil { break }
        }
        var ti = try #require(initiatorTransport), tr = try #require(responderTransport)
        #expect(tr.remoteStatic == iKey.publicKey && ti.remoteStatic == rKey.publicKey)
        tr.feed(try ti.encrypt([1, 2, 3]))
        #expect(try tr.nextMessage() == [1, 2, 3])
    }

    @Test("bytes after act three are kept for the transport")
    func leftoverAfterActThree() async throws {
        let rKey = LocalNodeKey(privateKey: PrivateKey()), iKey = LocalNodeKey(privateKey: PrivateKey())
        var i = Handshake(role: .initiator(remoteStatic: rKey.publicKey), localStatic: iKey.publicKey)
        var r = Handshake(role: .responder, localStatic: rKey.publicKey)
        _ = try r.start()
        let act1 = try await i.drive(try i.start(), nodeKey: iKey).bytesToSend
        let act2 = try await r.drive(try r.receive(act1), nodeKey: rKey).bytesToSend
        let done = try await i.drive(try i.receive(act2), nodeKey: iKey)
        var ti = try #require(done.transport)
        let firstMessage = try ti.encrypt(Array("init right behind act three".utf8))
        var tr = try #require(try await r.drive(try r.receive(done.bytesToSend + firstMessage), nodeKey: rKey).transport)
        #expect(try tr.nextMessage() == Array("init right behind act three".utf8))
    }

    @Test("a corrupted length MAC is refused at 18 bytes, before any body is awaited or buffered")
    func corruptedLength() async throws {
        var pair = try await HandshakePair.make()
        let packet = try pair.initiator.encrypt([UInt8](repeating: 7, count: 65_535))
        var header = Array(packet[0..<18])
        header[0] ^= 0x80  // the high bit of the encrypted length: would claim a different size
        var receiver = pair.responder.receiver
        receiver.feed(header)
        #expect(throws: BOLT8Error.badLengthTag) { _ = try receiver.nextMessage() }
        #expect(receiver.bufferedByteCount == 0, "nothing kept after the failure")
        // An authentic 65,535-byte length only waits: the body is buffered as it arrives.
        var honest = pair.responder.receiver
        honest.feed(packet[0..<18])
        #expect(try honest.nextMessage() == nil)
        #expect(honest.bufferedByteCount == 0)
        honest.feed(packet[18...])
        #expect(try honest.nextMessage()?.count == 65_535)
        // Sending above the maximum is refused.
        #expect(throws: BOLT8Error.messageTooLarge(65_536)) {
            _ = try pair.initiator.encrypt([UInt8](repeating: 0, count: 65_536))
        }
    }

    @Test("a connection cut mid-message is reported")
    func truncatedMessage() async throws {
        var pair = try await HandshakePair.make()
        let packet = try pair.initiator.encrypt([1, 2, 3, 4])
        var receiver = pair.responder.receiver
        receiver.feed(packet.dropLast())
        #expect(try receiver.nextMessage() == nil)
        #expect(throws: BOLT8Error.truncatedMessage(received: 19, needed: 20)) { try receiver.endOfInput() }
    }

    @Test("every single-bit flip of every act is rejected with a typed error")
    func badActBytes() async throws {
        let rKey = LocalNodeKey(privateKey: PrivateKey()), iKey = LocalNodeKey(privateKey: PrivateKey())
        let rEphemeral = PrivateKey(), iEphemeral = PrivateKey()
        func initiator() -> Handshake {
            Handshake(role: .initiator(remoteStatic: rKey.publicKey), localStatic: iKey.publicKey, ephemeral: iEphemeral)
        }
        func responder() -> Handshake {
            Handshake(role: .responder, localStatic: rKey.publicKey, ephemeral: rEphemeral)
        }
        var i = initiator(), r = responder()
        _ = try r.start()
        let act1 = try await i.drive(try i.start(), nodeKey: iKey).bytesToSend
        let act2 = try await r.drive(try r.receive(act1), nodeKey: rKey).bytesToSend
        let iAfterAct2 = i
        let act3 = try await i.drive(try i.receive(act2), nodeKey: iKey).bytesToSend
        let rAfterAct2 = r

        func flips(_ act: [UInt8], into fresh: () async throws -> Handshake, nodeKey: LocalNodeKey, actNumber: Int) async throws {
            for bit in 0..<(act.count * 8) {
                var damaged = act
                damaged[bit / 8] ^= 1 << UInt8(bit % 8)
                var hs = try await fresh()
                do {
                    let p = try await hs.drive(try hs.receive(damaged), nodeKey: nodeKey)
                    Issue.record("act \(actNumber) bit \(bit) accepted: \(p.bytesToSend.count) bytes out")
                } catch {
                    switch error {
                    case .badVersion(actNumber, _), .badPublicKey(actNumber), .badTag(actNumber),
                         .badCiphertext(actNumber): break
                    default: Issue.record("act \(actNumber) bit \(bit): unexpected \(error)")
                    }
                }
            }
        }
        try await flips(act1, into: { var h = responder(); _ = try h.start(); return h }, nodeKey: rKey, actNumber: 1)
        try await flips(act2, into: { iAfterAct2 }, nodeKey: iKey, actNumber: 2)
        try await flips(act3, into: { rAfterAct2 }, nodeKey: rKey, actNumber: 3)

        // A flood before the handshake completes is refused, not buffered.
        var flooded = responder()
        _ = try flooded.start()
        #expect(throws: BOLT8Error.tooMuchHandshakeInput(limit: Handshake.maxPendingInput)) {
            _ = try flooded.receive([UInt8](repeating: 0, count: Handshake.maxPendingInput + 1))
        }

        // Short acts only fail when the input ends.
        var short = responder()
        _ = try short.start()
        #expect(try short.receive(act1.dropLast()).isEmpty)
        #expect(throws: BOLT8Error.truncatedAct(act: 1, received: 49, needed: 50)) { try short.endOfInput() }
    }
}
