import BIP324
import Secp256k1

/// BIP324 targets: what a responder does with whatever a peer sends.
enum BIP324Fuzz {
    static let magic: [UInt8] = [0xF9, 0xBE, 0xB4, 0xD9]
    /// Fixed keys: the harness must be deterministic so that libFuzzer can replay an input.
    static let responderKey = try? PrivateKey(rawRepresentation: [UInt8](repeating: 0x11, count: 32))
    static let initiatorKey = try? PrivateKey(rawRepresentation: [UInt8](repeating: 0x22, count: 32))

    static func responder() -> BIP324Transport? {
        guard let key = responderKey else { return nil }
        return try? BIP324Transport(
            role: .responder, networkMagic: magic, privateKey: key,
            ellswiftRandomness: [UInt8](repeating: 0x33, count: 32), garbage: [1, 2, 3])
    }

    /// The initiator's ElligatorSwift encoding and the keys both sides derive: computed once.
    static let session: (initiatorEllSwift: [UInt8], keys: BIP324Keys)? = {
        guard let key = initiatorKey, let r = responder(),
              let initiator = try? BIP324Transport(
                role: .initiator, networkMagic: magic, privateKey: key,
                ellswiftRandomness: [UInt8](repeating: 0x44, count: 32), garbage: [])
        else { return nil }
        guard let keys = try? BIP324Keys(
            privateKey: key, ours: initiator.ourEllSwift, theirs: r.ourEllSwift, initiating: true, networkMagic: magic)
        else { return nil }
        return (initiator.ourEllSwift, keys)
    }()

    struct Outcome {
        var events: [BIP324Event] = []
        var error: BIP324Error?
    }

    /// Feeds `chunks` to a fresh responder; stops at the first error or at v1 detection.
    static func feed(_ chunks: [ArraySlice<UInt8>]) -> Outcome {
        var out = Outcome()
        guard var t = responder() else { return out }
        for chunk in chunks {
            do {
                let events = try t.receive(chunk)
                out.events += events
                if events.contains(where: { if case .v1PeerDetected = $0 { true } else { false } }) { break }
            } catch {
                out.error = error
                // A failed transport stays failed.
                let again = Result { () throws(BIP324Error) in try t.receive([0]) }
                FuzzTargets.check(again.failureKind == .transportClosed, "BIP324 transport accepted input after failing")
                break
            }
        }
        return out
    }

    /// Selector 4: a seed byte for the split, then raw peer bytes. Whole-buffer and split feeding
    /// must agree (events, failure); v1 detection must report a prefix of what was sent.
    static func responderRaw(_ input: inout FuzzInput) {
        let seed = input.byte()
        let bytes = input.remaining()
        let whole = feed([bytes[...]])
        let split = feed(FuzzSplit.chunks(bytes, seed: seed))
        FuzzTargets.check((whole.error == nil) == (split.error == nil),
                          "BIP324 failure depends on the split: \(String(describing: whole.error)) vs \(String(describing: split.error))")
        for outcome in [whole, split] {
            for case .v1PeerDetected(let received) in outcome.events {
                FuzzTargets.check(received.count >= 16 && bytes.starts(with: received), "v1 detection reported bytes that were not sent")
                FuzzTargets.check(received.prefix(4).elementsEqual(magic), "v1 detected without the network magic")
            }
        }
        if whole.error == nil && split.error == nil {
            FuzzTargets.check(normalised(whole.events) == normalised(split.events), "BIP324 events depend on the split")
        }
    }

    /// v1 detection reports every byte fed so far, which depends on the split: keep its prefix.
    static func normalised(_ events: [BIP324Event]) -> [BIP324Event] {
        events.map {
            if case .v1PeerDetected(let received) = $0 { return .v1PeerDetected(received: Array(received.prefix(16))) }
            return $0
        }
    }

    /// Selector 5: a BIP324 initiator made in the harness (fixed keys) sends garbage, its
    /// terminator, the version packet, then packets whose contents, decoy flags and count come
    /// from the input; one byte of the stream may be flipped. The responder must report exactly
    /// the messages sent (short ids, long commands, unknown ids), fail with a typed error on
    /// contents that are not a message, and never report a message that was not sent.
    static func session(_ input: inout FuzzInput) {
        guard let session else { return }
        let garbage = input.take(min(Int(input.byte()) * 17, BIP324Transport.maxGarbageLength))
        let seed = input.byte()
        let flipAt = input.u16(), flipMask = input.byte()
        guard var cipher = try? BIP324Cipher(keys: session.keys, initiating: true) else { return }
        guard let version = try? cipher.encrypt(contents: [], aad: garbage) else { return }
        var stream = session.initiatorEllSwift + garbage + cipher.sendGarbageTerminator + version
        var sent: [[UInt8]] = []
        while !input.isEmpty {
            let flags = input.byte()
            let contents = input.take(Int(input.byte()) + (flags & 0x40 != 0 ? 256 : 0))
            let ignore = flags & 1 != 0
            guard let packet = try? cipher.encrypt(contents: contents, ignore: ignore) else { return }
            stream += packet
            if !ignore { sent.append(contents) }
        }
        let flipped = flipMask != 0 && !stream.isEmpty
        if flipped { stream[flipAt % stream.count] ^= flipMask }
        let outcome = feed(FuzzSplit.chunks(stream, seed: seed))

        // A receive call that throws reports none of its events, so after an error only the
        // events of earlier calls are known: they must still be right.
        var events = outcome.events[...]
        guard let first = events.popFirst() else {
            FuzzTargets.check(flipped || outcome.error != nil, "BIP324 handshake with fixed keys did not complete")
            return
        }
        guard case .handshakeComplete(let sessionID) = first else {
            FuzzTargets.check(false, "BIP324 first event is \(first), not the handshake")
            return
        }
        FuzzTargets.check(flipped || sessionID == session.keys.sessionID, "BIP324 session ids differ")
        FuzzTargets.check(events.count <= sent.count, "BIP324 reported more messages than were sent")
        for (event, contents) in zip(events, sent) { checkMessage(event, contents) }
        guard !flipped else { return }
        if let error = outcome.error {
            // Only contents that are not a message may fail the intact stream.
            let suspects = sent.dropFirst(events.count)
            FuzzTargets.check(suspects.contains(where: { $0.first == nil || $0.first == 0 }), "BIP324 failed on valid packets: \(error)")
            FuzzTargets.check(error.kind.isInvalidMessageType, "BIP324 unexpected error on an intact stream: \(error)")
        } else {
            FuzzTargets.check(events.count == sent.count, "BIP324 lost messages: \(events.count) of \(sent.count)")
        }
    }

    /// One reported event against the contents that were sent.
    static func checkMessage(_ event: BIP324Event, _ contents: [UInt8]) {
        guard let id = contents.first else {
            FuzzTargets.check(false, "BIP324 reported \(event) for empty contents")
            return
        }
        switch event {
        case .message(let message):
            let offset = id == 0 ? 1 + BIP324MessageType.commandSize : 1
            FuzzTargets.check(message.payload.elementsEqual(contents.dropFirst(offset)), "BIP324 payload differs from what was sent")
            if id != 0 {
                FuzzTargets.check(BIP324MessageType.command(forShortID: id) == message.command, "BIP324 short id \(id) decoded as \(message.command)")
            } else {
                let field = contents.dropFirst().prefix(BIP324MessageType.commandSize)
                FuzzTargets.check(field.starts(with: Array(message.command.utf8)), "BIP324 long command decoded as \(message.command)")
            }
        case .unknownMessageType(let reported):
            FuzzTargets.check(reported == id && BIP324MessageType.command(forShortID: id) == nil, "BIP324 unknown type \(reported) for id \(id)")
        default:
            FuzzTargets.check(false, "BIP324 unexpected event \(event) after the handshake")
        }
    }
}

extension Result where Failure == BIP324Error {
    init(_ body: () throws(BIP324Error) -> Success) {
        do throws(BIP324Error) { self = .success(try body()) } catch { self = .failure(error) }
    }

    var failureKind: BIP324Error.Kind? {
        if case .failure(let error) = self { return error.kind }
        return nil
    }
}

extension BIP324Error.Kind {
    var isInvalidMessageType: Bool {
        if case .invalidMessageType = self { return true }
        return false
    }
}
