import BIP324
import BIP324DriverCore
import BitcoinPrimitives

/// Selector 16: the BIP324 driver's ``PeerSession`` (P2P handshake, keepalive, message checks)
/// over each of its wires, fed a peer's bytes whole and in chunks from the input:
///
/// - mode 0: a plaintext v1 session (`init(v1Magic:)`);
/// - mode 1: a v2 responder under `v1fallback` given a v1 stream (the transport detects v1 and
///   the session replays the bytes in plaintext);
/// - mode 2: a v2 responder and an initiator made in the harness with fixed keys: the messages
///   are encrypted, so the session's own logic is reached behind the cipher;
/// - mode 3: raw bytes to a v2 responder under `v1fallback`.
///
/// The messages (command, payload) come from the input; a `version` may be a well-formed one
/// with fuzzed fields so the handshake can complete. Properties: the outcome (events, failure,
/// bytes sent back) does not depend on the split; `ready` comes at most once and before any
/// message; every message reported passes ``PeerSession/check(_:_:)``; what the session sends
/// back is bounded by what it received; a well-formed version then verack always gets ready.
enum PeerSessionFuzz {
    static let commands = [
        "version", "verack", "ping", "pong", "wtxidrelay", "sendheaders", "headers", "block", "tx", "inv",
        "getdata", "notfound", "sendaddrv2", "feefilter", "sendcmpct", "getheaders", "addrv2",
    ]

    struct Outcome: Equatable {
        var events: [PeerSessionEvent] = []
        var failure: String?
        var sent: [UInt8] = []
    }

    static func run(_ input: inout FuzzInput) {
        let mode = input.byte() % 4
        let seed = input.byte()
        let stream: [UInt8]
        var script: [(String, [UInt8])] = []
        if mode == 3 {
            stream = input.remaining()
        } else {
            while !input.isEmpty && script.count < 64 { script.append(message(&input)) }
            stream = mode == 2 ? encrypted(script) : plaintext(script)
        }
        guard !stream.isEmpty else { return }
        let whole = feed(mode: mode, [stream[...]])
        let split = feed(mode: mode, FuzzSplit.chunks(stream, seed: seed))
        FuzzTargets.check((whole.failure == nil) == (split.failure == nil),
                          "PeerSession failure depends on the split: \(whole.failure ?? "none") vs \(split.failure ?? "none")")
        if whole.failure == nil {
            FuzzTargets.check(whole.events == split.events, "PeerSession events depend on the split")
            FuzzTargets.check(whole.sent == split.sent, "PeerSession replies depend on the split")
        } else if mode == 0 {
            // Plaintext only: a BIP324 error's text counts the bytes received so far, which
            // depends on the split (the failure itself does not).
            FuzzTargets.check(whole.failure == split.failure, "PeerSession violation depends on the split: \(whole.failure ?? "") vs \(split.failure ?? "")")
        }
        #if !FUZZING
        // The replayer (plain `swift build`) shows what the session did.
        print("mode \(mode): \(whole.events.count) events \(whole.events.map { "\($0)".prefix(40) }), failure: \(whole.failure ?? "none"), sent \(whole.sent.count) bytes")
        #endif
        for outcome in [whole, split] {
            FuzzTargets.check(outcome.sent.count <= stream.count + 4096, "PeerSession sent \(outcome.sent.count) bytes for \(stream.count) received")
            var ready = false
            for event in outcome.events {
                switch event {
                case .ready:
                    FuzzTargets.check(!ready, "PeerSession ready twice")
                    ready = true
                case .message(let command, let payload):
                    FuzzTargets.check(ready, "PeerSession delivered \(command) before ready")
                    FuzzTargets.check((try? PeerSession.check(command, payload)) != nil, "PeerSession delivered a \(command) its checks refuse")
                case .encrypted:
                    FuzzTargets.check(mode == 2, "PeerSession reported encryption without a v2 handshake")
                }
            }
            if mode != 3, script.count >= 2, script[0].0 == "version", script[1].0 == "verack",
               (try? VersionMessage(payload: script[0].1[...])) != nil {
                let readyCount = outcome.events.filter { if case .ready = $0 { true } else { false } }.count
                FuzzTargets.check(outcome.failure != nil || readyCount == 1, "PeerSession not ready after version and verack")
            }
        }
    }

    /// One message from the input: a command from the list (or an arbitrary one), a payload,
    /// and for `version` usually a well-formed payload with fuzzed fields.
    static func message(_ input: inout FuzzInput) -> (String, [UInt8]) {
        let pick = input.byte()
        let command: String
        if pick == 0xff {
            command = String(decoding: input.take(Int(input.byte() % 13)), as: UTF8.self)
        } else {
            command = commands[Int(pick) % commands.count]
        }
        let flags = input.byte()
        if command == "version" && flags & 1 == 0 {
            let version = VersionMessage(
                version: Int32(bitPattern: UInt32(input.u16()) | UInt32(input.u16()) << 16),
                services: UInt64(input.u16()), timestamp: Int64(input.u16()),
                receiver: NetworkAddress(services: 0, ip: .unspecified, port: 0),
                sender: NetworkAddress(services: 0, ip: .unspecified, port: 0),
                nonce: UInt64(input.u16()), userAgent: input.take(Int(input.byte() % 40)),
                startHeight: Int32(input.u16()), relay: flags & 2 == 0 ? true : nil)
            var w = ByteWriter()
            version.write(to: &w)
            return (command, w.bytes)
        }
        if command == "headers" && flags & 1 == 0 {
            // A headers payload that links (or not) so the check's paths are reached.
            let count = Int(input.byte() % 4)
            var w = ByteWriter()
            w.writeCompactSize(UInt64(count))
            var previous = BlockHash(Hash256(words: (UInt64(input.u16()), 0, 0, 0)))
            for _ in 0..<count {
                let header = BlockHeader(
                    version: 4, previousBlockHash: input.byte() & 1 == 0 ? previous : BlockHash(Hash256(words: (1, 2, 3, 4))),
                    merkleRoot: Hash256(words: (UInt64(input.u16()), 0, 0, 0)), time: UInt32(input.u16()), bits: 0x207f_ffff, nonce: 0)
                header.write(to: &w)
                w.writeCompactSize(0)
                previous = header.hash
            }
            return (command, w.bytes)
        }
        let length = flags & 0x80 != 0 ? input.u16() : Int(input.byte())
        return (command, input.take(length))
    }

    static func plaintext(_ script: [(String, [UInt8])]) -> [UInt8] {
        var stream: [UInt8] = []
        for (command, payload) in script {
            guard let c = try? P2PCommand(command) else { continue }
            stream += P2PFrame(command: c, payload: payload).encoded(magic: .main)
        }
        return stream
    }

    /// The initiator's side of a v2 connection under the fixed keys of ``BIP324Fuzz``.
    static func encrypted(_ script: [(String, [UInt8])]) -> [UInt8] {
        guard let session = BIP324Fuzz.session, var cipher = try? BIP324Cipher(keys: session.keys, initiating: true),
              let version = try? cipher.encrypt(contents: [], aad: [])
        else { return [] }
        var stream = session.initiatorEllSwift + cipher.sendGarbageTerminator + version
        for (command, payload) in script {
            let contents: [UInt8]
            if let id = BIP324MessageType.shortID(for: command) {
                contents = [id] + payload
            } else {
                var field = Array(command.utf8.prefix(BIP324MessageType.commandSize))
                field += [UInt8](repeating: 0, count: BIP324MessageType.commandSize - field.count)
                contents = [0] + field + payload
            }
            guard let packet = try? cipher.encrypt(contents: contents) else { return stream }
            stream += packet
        }
        return stream
    }

    static func session(mode: UInt8) -> PeerSession? {
        if mode == 0 { return PeerSession(v1Magic: .main, nonce: 7, unixTime: 1_700_000_000) }
        guard let transport = BIP324Fuzz.responder() else { return nil }
        return PeerSession(transport: transport, nonce: 7, unixTime: 1_700_000_000, acceptingV1With: .main)
    }

    static func feed(mode: UInt8, _ chunks: [ArraySlice<UInt8>]) -> Outcome {
        var out = Outcome()
        guard var s = session(mode: mode) else { return out }
        out.sent += s.takeBytesToSend()
        for chunk in chunks {
            do {
                out.events += try s.receive(Array(chunk))
                out.sent += s.takeBytesToSend()
            } catch {
                out.failure = error.description
                return out
            }
        }
        return out
    }
}
