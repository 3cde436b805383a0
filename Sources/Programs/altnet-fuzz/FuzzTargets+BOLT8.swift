import BOLT8
import Foundation
import Secp256k1

/// BOLT 8 targets: a responder's handshake and the transport decoder, under fixed keys.
enum BOLT8Fuzz {
    static func key(_ byte: UInt8) -> PrivateKey? { try? PrivateKey(rawRepresentation: [UInt8](repeating: byte, count: 32)) }

    static let responderNode = key(0x51).map { LocalNodeKey(privateKey: $0) }
    static let initiatorNode = key(0x52).map { LocalNodeKey(privateKey: $0) }

    struct Progress {
        var send: [UInt8] = []
        var transport: BOLT8Transport?
    }

    /// Answers `needStaticECDH` synchronously and collects the rest of the events.
    static func pump(_ events: [HandshakeEvent], _ hs: inout Handshake, _ node: LocalNodeKey) throws(BOLT8Error) -> Progress {
        var progress = Progress()
        var queue = events[...]
        while let event = queue.popFirst() {
            switch event {
            case .send(let bytes): progress.send += bytes
            case .complete(let transport): progress.transport = transport
            case .needStaticECDH(let point):
                let secret: [UInt8]
                do { secret = try node.ecdhSync(point) } catch { throw .nodeKeyFailed("\(error)") }
                queue.append(contentsOf: try hs.resume(staticECDH: secret))
            }
        }
        return progress
    }

    static func responder() -> Handshake? {
        guard let node = responderNode, let ephemeral = key(0x53) else { return nil }
        return Handshake(role: .responder, localStatic: node.publicKey, ephemeral: ephemeral)
    }

    static func initiator() -> Handshake? {
        guard let node = initiatorNode, let remote = responderNode, let ephemeral = key(0x54) else { return nil }
        return Handshake(role: .initiator(remoteStatic: remote.publicKey), localStatic: node.publicKey, ephemeral: ephemeral)
    }

    /// Selector 6. Mode bit 0 clear: a seed byte, then raw bytes fed to a responder in chunks as
    /// act one and beyond (no trap; the handshake cannot complete without the keys).
    /// Mode bit set: a real initiator and responder run acts one and two; act three is XORed
    /// with a 66-byte mask from the input and any further input follows as transport bytes.
    /// Zero mask: the handshake completes and authenticates the initiator; any other mask: it
    /// must fail with a typed error.
    static func handshake(_ input: inout FuzzInput) {
        let mode = input.byte()
        let seed = input.byte()
        guard var r = responder(), let rNode = responderNode else { return }
        if mode & 1 == 0 {
            var completed = false
            for chunk in FuzzSplit.chunks(input.remaining(), seed: seed) {
                do {
                    let progress = try pump(try r.receive(chunk), &r, rNode)
                    if progress.transport != nil { completed = true }
                } catch {
                    FuzzTargets.check(r.receiveFails, "BOLT 8 handshake accepted input after failing")
                    return
                }
            }
            FuzzTargets.check(!completed, "BOLT 8 handshake completed from fuzzed bytes without the keys")
            _ = Result { () throws(BOLT8Error) in try r.endOfInput() }
            return
        }
        guard var i = initiator(), let iNode = initiatorNode else { return }
        do throws(BOLT8Error) {
            let actOne = try pump(try i.start(), &i, iNode).send
            let actTwo = try pump(try r.receive(actOne), &r, rNode).send
            var actThree = try pump(try i.receive(actTwo), &i, iNode).send
            let mask = input.take(actThree.count)
            for (k, m) in mask.enumerated() { actThree[k] ^= m }
            let masked = mask.contains { $0 != 0 }
            let stream = actThree + input.remaining()
            var transport: BOLT8Transport?
            var failure: BOLT8Error?
            for chunk in FuzzSplit.chunks(stream, seed: seed) {
                do throws(BOLT8Error) {
                    if let t = try pump(try r.receive(chunk), &r, rNode).transport { transport = t }
                    if transport != nil { break }
                } catch {
                    failure = error
                    break
                }
            }
            if masked {
                FuzzTargets.check(transport == nil && failure != nil, "BOLT 8 act three with a flipped bit was accepted")
            } else {
                FuzzTargets.check(failure == nil && transport?.remoteStatic == iNode.publicKey, "BOLT 8 real act three failed: \(String(describing: failure))")
                // Whatever follows act three is ciphertext nobody sealed: it never decodes.
                if var t = transport { drain(&t) }
            }
        } catch {
            FuzzTargets.check(false, "BOLT 8 fixed-key acts one and two failed: \(error)")
        }
    }

    /// A completed pair of transports (initiator, responder) under fixed keys: made once.
    static let pair: (BOLT8Transport, BOLT8Transport)? = {
        guard var i = initiator(), var r = responder(), let iNode = initiatorNode, let rNode = responderNode else { return nil }
        do throws(BOLT8Error) {
            let actOne = try pump(try i.start(), &i, iNode).send
            let actTwo = try pump(try r.receive(actOne), &r, rNode).send
            let three = try pump(try i.receive(actTwo), &i, iNode)
            let done = try pump(try r.receive(three.send), &r, rNode)
            guard let a = three.transport, let b = done.transport else { return nil }
            return (a, b)
        } catch {
            return nil
        }
    }()

    /// Selector 7. Mode bit 0 clear: raw bytes after a completed handshake must never decode to
    /// a message. Mode bit set: messages from the input (lengths, contents) are encrypted by the
    /// initiator, one byte may be flipped, and the stream is fed in chunks: the responder must
    /// return exactly the messages sent, in order, and fail with a typed error if a byte was flipped.
    static func transport(_ input: inout FuzzInput) {
        guard let pair else { return }
        let mode = input.byte()
        let seed = input.byte()
        var receiver = pair.1
        if mode & 1 == 0 {
            for chunk in FuzzSplit.chunks(input.remaining(), seed: seed) {
                receiver.feed(chunk)
                if !drain(&receiver) { return }
            }
            _ = Result { () throws(BOLT8Error) in try receiver.receiver.endOfInput() }
            return
        }
        var sender = pair.0
        let flipAt = input.u16(), flipMask = input.byte()
        var sent: [[UInt8]] = []
        var stream: [UInt8] = []
        while !input.isEmpty {
            let length = input.u16() % 1024
            let message = input.take(length)
            guard let packet = try? sender.encrypt(message) else {
                FuzzTargets.check(false, "BOLT 8 could not encrypt \(message.count) bytes")
                return
            }
            stream += packet
            sent.append(message)
        }
        let flipped = flipMask != 0 && !stream.isEmpty
        if flipped { stream[flipAt % stream.count] ^= flipMask }
        var received: [[UInt8]] = []
        var failed = false
        for chunk in FuzzSplit.chunks(stream, seed: seed) where !failed {
            receiver.feed(chunk)
            do throws(BOLT8Error) {
                while let message = try receiver.nextMessage() { received.append(message) }
            } catch {
                failed = true
                // A failed decoder stays failed.
                let again = Result { () throws(BOLT8Error) in try receiver.nextMessage() }
                FuzzTargets.check(again.isFailure, "BOLT 8 decoder recovered after failing")
            }
        }
        FuzzTargets.check(received.count <= sent.count && zip(received, sent).allSatisfy { $0 == $1 },
                          "BOLT 8 decoded a message that was not sent")
        if flipped {
            FuzzTargets.check(failed, "BOLT 8 accepted a stream with a flipped byte")
        } else {
            FuzzTargets.check(!failed && received.count == sent.count, "BOLT 8 lost messages: \(received.count) of \(sent.count)")
            let end = Result { () throws(BOLT8Error) in try receiver.receiver.endOfInput() }
            FuzzTargets.check(!end.isFailure, "BOLT 8 whole stream reported as truncated")
        }
    }

    /// Reads messages until none is ready or the decoder fails; bytes nobody sealed must never
    /// decode. Returns false once failed.
    @discardableResult
    static func drain(_ t: inout BOLT8Transport) -> Bool {
        do throws(BOLT8Error) {
            while let message = try t.nextMessage() {
                FuzzTargets.check(false, "BOLT 8 decoded \(message.count) bytes nobody encrypted")
            }
            return true
        } catch {
            return false
        }
    }
}

extension Handshake {
    /// True when the handshake refuses more input (it failed).
    var receiveFails: Bool {
        var copy = self
        return Result { () throws(BOLT8Error) in try copy.receive([0]) }.isFailure
    }
}

extension Result where Failure == BOLT8Error {
    init(_ body: () throws(BOLT8Error) -> Success) {
        do throws(BOLT8Error) { self = .success(try body()) } catch { self = .failure(error) }
    }
}

extension Result {
    var isFailure: Bool {
        if case .failure = self { return true }
        return false
    }
}
