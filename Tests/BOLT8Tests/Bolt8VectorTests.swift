import BitcoinPrimitives
import Secp256k1
import Testing
import TestSupport
@testable import BOLT8

/// BOLT 8 Appendix A, every vector, parsed from the official file at test time.
@Suite("BOLT 8 official vectors")
struct Bolt8VectorTests {
    static let initiatorVectors = (try? BOLT8Vectors.load(.initiator)) ?? []
    static let responderVectors = (try? BOLT8Vectors.load(.responder)) ?? []

    @Test("the vector file is present and complete")
    func fileParses() throws {
        // Fails with SharedData's clear message if ../shared is missing.
        #expect(try BOLT8Vectors.load(.initiator).count == 5)
        #expect(try BOLT8Vectors.load(.responder).count == 10)
        #expect(try BOLT8Vectors.load(.message).count == 1)
    }

    @Test("initiator", arguments: initiatorVectors)
    func initiator(_ vector: BOLT8Vector) async throws {
        let remote = try PublicKey(serialized: vector.bytes("rs.pub"))
        let local = LocalNodeKey(privateKey: try PrivateKey(rawRepresentation: vector.bytes("ls.priv")))
        let ephemeral = try PrivateKey(rawRepresentation: vector.bytes("e.priv"))
        #expect(local.publicKey.serialized() == (try vector.bytes("ls.pub")))
        #expect(ephemeral.publicKey.serialized() == (try vector.bytes("e.pub")))
        let handshake = Handshake(
            role: .initiator(remoteStatic: remote), localStatic: local.publicKey, ephemeral: ephemeral)
        try await VectorRunner.run(vector, handshake: handshake, nodeKey: local, role: "initiator")
    }

    @Test("responder", arguments: responderVectors)
    func responder(_ vector: BOLT8Vector) async throws {
        let local = LocalNodeKey(privateKey: try PrivateKey(rawRepresentation: vector.bytes("ls.priv")))
        let ephemeral = try PrivateKey(rawRepresentation: vector.bytes("e.priv"))
        #expect(local.publicKey.serialized() == (try vector.bytes("ls.pub")))
        #expect(ephemeral.publicKey.serialized() == (try vector.bytes("e.pub")))
        let handshake = Handshake(role: .responder, localStatic: local.publicKey, ephemeral: ephemeral)
        try await VectorRunner.run(vector, handshake: handshake, nodeKey: local, role: "responder")
    }

    @Test("message encryption with key rotation: outputs 0, 1, 500, 501, 1000, 1001")
    func messages() throws {
        let vector = try #require(try BOLT8Vectors.load(.message).first)
        let ck = try vector.bytes("ck"), sk = try vector.bytes("sk"), rk = try vector.bytes("rk")
        let anyKey = PrivateKey().publicKey
        var sender = BOLT8Transport(
            remoteStatic: anyKey, sendingKey: sk, receivingKey: rk, chainingKey: ck, buffered: [])
        // The peer receives with our sending key.
        var receiver = BOLT8Transport(
            remoteStatic: anyKey, sendingKey: rk, receivingKey: sk, chainingKey: ck, buffered: [])
        let expected = try Dictionary(uniqueKeysWithValues: vector.fields.compactMap { field -> (Int, [UInt8])? in
            guard field.key.hasPrefix("output "), let n = Int(field.key.dropFirst(7)) else { return nil }
            return (n, try hexBytes(field.value))
        })
        #expect(Set(expected.keys) == [0, 1, 500, 501, 1000, 1001])
        let hello = Array("hello".utf8)
        for i in 0...1001 {
            let packet = try sender.encrypt(hello)
            if let want = expected[i] { #expect(packet == want, "output \(i)") }
            receiver.feed(packet)
            #expect(try receiver.nextMessage() == hello, "decrypting message \(i)")
        }
        #expect(try receiver.nextMessage() == nil)
    }

    @Test("the handshake's final keys are the message test's keys")
    func handshakeFeedsMessageTest() async throws {
        let message = try #require(try BOLT8Vectors.load(.message).first)
        let vector = try #require(Self.initiatorVectors.first { $0.name.contains("successful") })
        let local = LocalNodeKey(privateKey: try PrivateKey(rawRepresentation: vector.bytes("ls.priv")))
        var hs = Handshake(
            role: .initiator(remoteStatic: try PublicKey(serialized: vector.bytes("rs.pub"))),
            localStatic: local.publicKey,
            ephemeral: try PrivateKey(rawRepresentation: vector.bytes("e.priv")))
        _ = try await hs.drive(try hs.start(), nodeKey: local)
        let actTwo = try #require(vector.fields.first { $0.key == "input" }?.value)
        let events = try hs.receive(try hexBytes(actTwo))
        let transport = try #require(try await hs.drive(events, nodeKey: local).transport)
        #expect(transport.sender.cipher.chainingKey == (try message.bytes("ck")))
        #expect(transport.sender.cipher.keyBytes == (try message.bytes("sk")))
        #expect(transport.receiver.cipher.keyBytes == (try message.bytes("rk")))
    }
}

extension BOLT8Vector: @unchecked Sendable {}

/// Plays one handshake vector: each `input` is fed, each `output` checked against what the
/// handshake produced (bytes, final keys or the named error).
enum VectorRunner {
    static func run(
        _ vector: BOLT8Vector, handshake: Handshake, nodeKey: LocalNodeKey, role: String
    ) async throws {
        var hs = handshake
        var progress = try await hs.drive(try hs.start(), nodeKey: nodeKey)
        var failure: BOLT8Error?
        var checkedError = false
        for (key, value) in vector.fields where key == "input" || key == "output" {
            if key == "input" {
                do {
                    let events = try hs.receive(try hexBytes(value))
                    progress = try await hs.drive(events, nodeKey: nodeKey)
                } catch let error as BOLT8Error {
                    failure = error
                }
            } else if value.hasPrefix("ERROR") {
                if failure == nil {
                    // A short read is only an error once the input has ended.
                    do { try hs.endOfInput() } catch { failure = error }
                }
                let error = try #require(failure, "\(vector.name): expected \(value), got success")
                #expect(matches(error, value), "\(vector.name): expected \(value), got \(error)")
                checkedError = true
            } else if value.contains(",") {
                try checkKeys(value, progress.transport, vector: vector)
            } else {
                #expect(failure == nil, "\(vector.name): unexpected \(String(describing: failure))")
                #expect(progress.bytesToSend == (try hexBytes(value)), "\(vector.name): output")
                progress.bytesToSend = []
            }
        }
        if !checkedError { #expect(hs.isComplete, "\(vector.name): handshake did not complete") }
    }

    /// `sk,rk=0x..,0x..` (initiator) or `rk,sk=0x..,0x..` (responder).
    static func checkKeys(_ value: String, _ transport: BOLT8Transport?, vector: BOLT8Vector) throws {
        let parts = value.split(separator: "=")
        let names = parts[0].split(separator: ","), keys = parts[1].split(separator: ",")
        let t = try #require(transport, "\(vector.name): no transport")
        for (name, key) in zip(names, keys) {
            let want = try hexBytes(String(key))
            let got = name == "sk" ? t.sender.cipher.keyBytes : t.receiver.cipher.keyBytes
            #expect(got == want, "\(vector.name): \(name)")
        }
    }

    /// Matches our typed error to the spec's name, e.g. `ERROR (ACT2_BAD_VERSION 1)`.
    static func matches(_ error: BOLT8Error, _ spec: String) -> Bool {
        let inner = spec.drop { $0 != "(" }.dropFirst().prefix { $0 != ")" }
        let words = inner.split(separator: " ")
        guard let code = words.first else { return false }
        let version = words.count > 1 ? UInt8(words[1]) : nil
        switch error {
        case .badVersion(let act, let v):
            return code == "ACT\(act)_BAD_VERSION" && (version == nil || version == v)
        case .badPublicKey(let act): return code == "ACT\(act)_BAD_PUBKEY"
        case .badTag(let act): return code == "ACT\(act)_BAD_TAG"
        case .badCiphertext(let act): return code == "ACT\(act)_BAD_CIPHERTEXT"
        case .truncatedAct(let act, _, _): return code == "ACT\(act)_READ_FAILED"
        default: return false
        }
    }
}
