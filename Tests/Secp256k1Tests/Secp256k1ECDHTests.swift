import BitcoinPrimitives
import Crypto
import Secp256k1
import Testing
import TestSupport

/// ECDH and ECDSA through the lead's Secp256k1 wrapper.
@Suite("Secp256k1 ECDH and ECDSA")
struct Secp256k1ECDHTests {
    /// The `# ss=0x..` (and `# re=0x..`) comment lines of one named vector, in order.
    static func commentValues(_ key: String, in name: String) throws -> [[UInt8]] {
        let text = try SharedData.text(BOLT8Vectors.path)
        var inside = false
        var values: [[UInt8]] = []
        for raw in text.split(whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("name:") { inside = line.hasSuffix(name) }
            if inside, line.hasPrefix("# \(key)=") { values.append(try hexBytes(String(line.dropFirst(key.count + 3)))) }
        }
        return values
    }

    @Test("BOLT 8 ECDH: the three shared secrets of the successful handshake, from both sides")
    func bolt8SharedSecrets() throws {
        let initiator = try #require(try BOLT8Vectors.load(.initiator).first { $0.name.contains("successful") })
        let responder = try #require(try BOLT8Vectors.load(.responder).first { $0.name.contains("successful") })
        let secrets = try Self.commentValues("ss", in: "transport-initiator successful handshake")
        #expect(secrets.count == 3)
        let secretsR = try Self.commentValues("ss", in: "transport-responder successful handshake")
        #expect(secretsR == secrets)

        let iStatic = try PrivateKey(rawRepresentation: initiator.bytes("ls.priv"))
        let iEphemeral = try PrivateKey(rawRepresentation: initiator.bytes("e.priv"))
        let rStatic = try PrivateKey(rawRepresentation: responder.bytes("ls.priv"))
        let rEphemeral = try PrivateKey(rawRepresentation: responder.bytes("e.priv"))
        let pairs: [(PrivateKey, PublicKey, PrivateKey, PublicKey)] = [
            (iEphemeral, rStatic.publicKey, rStatic, iEphemeral.publicKey),      // es
            (iEphemeral, rEphemeral.publicKey, rEphemeral, iEphemeral.publicKey),  // ee
            (iStatic, rEphemeral.publicKey, rEphemeral, iStatic.publicKey),        // se
        ]
        for (n, (a, bPub, b, aPub)) in pairs.enumerated() {
            #expect(try ECDH.sha256Compressed(privateKey: a, publicKey: bPub) == secrets[n], "ss #\(n + 1)")
            #expect(try ECDH.sha256Compressed(privateKey: b, publicKey: aPub) == secrets[n], "ss #\(n + 1), other side")
        }
        // The act-two key in the vector is the responder's ephemeral key.
        let re = try #require(try Self.commentValues("re", in: "transport-initiator successful handshake").first)
        #expect(rEphemeral.publicKey.serialized() == re)
    }

    @Test("the shared point is consistent: x-only, SHA256 of its compression, symmetric")
    func sharedPoint() throws {
        for _ in 0..<10 {
            let a = PrivateKey(), b = PrivateKey()
            let point = try ECDH.sharedPoint(privateKey: a, publicKey: b.publicKey)
            #expect(point == (try ECDH.sharedPoint(privateKey: b, publicKey: a.publicKey)))
            #expect(try ECDH.xOnly(privateKey: a, publicKey: b.publicKey) == point.x)
            let compressed = [point.y[31] & 1 == 1 ? 0x03 : 0x02] + point.x
            #expect(try PublicKey(serialized: compressed).serialized(compressed: false) == [0x04] + point.x + point.y)
            #expect(try ECDH.sha256Compressed(privateKey: a, publicKey: b.publicKey)
                    == Array(SHA256.hash(data: compressed)))
        }
    }

    @Test("ECDSA: RFC 6979 known vector (key 1, SHA256(\"Satoshi Nakamoto\"))")
    func ecdsaKnownVector() throws {
        let one = try PrivateKey(rawRepresentation: Secp256k1KeyTests.scalar(1))
        let digest = Array(SHA256.hash(data: Array("Satoshi Nakamoto".utf8)))
        let signature = try one.signECDSA(digest: digest)
        // Widely published RFC 6979 secp256k1 vector (e.g. bitcoinj, python-ecdsa test suites).
        let r = "934b1ea10a4b3c1757e2b0c017d0b6143ce3c9a7e6a4a49860d7a6ab210ee3d8"
        let s = "2442ce9d2b916064108014783e923ec36b49743e2ffa1c4496f01a512aafd9e5"
        #expect(signature.compact.hex == r + s)
        #expect(signature.der.hex == "3045022100" + r + "0220" + s)
        #expect(one.publicKey.isValidECDSA(try ECDSASignature(der: try [UInt8](hex: "3045022100" + r + "0220" + s)), digest: digest))
    }

    @Test("ECDSA: sign/verify round trip; wrong key, digest or high-S refused")
    func ecdsaRoundTrip() throws {
        let n = try [UInt8](hex: Secp256k1KeyTests.order)
        for i in 0..<10 {
            let key = PrivateKey()
            let digest = Array(SHA256.hash(data: [UInt8(i)]))
            let sig = try key.signECDSA(digest: digest)
            #expect(key.publicKey.isValidECDSA(sig, digest: digest))
            #expect(try ECDSASignature(compact: sig.compact) == sig)
            #expect(try ECDSASignature(der: sig.der) == sig)
            #expect(!PrivateKey().publicKey.isValidECDSA(sig, digest: digest))
            var other = digest
            other[0] ^= 1
            #expect(!key.publicKey.isValidECDSA(sig, digest: other))
            #expect(!key.publicKey.isValidECDSA(sig, digest: Array(digest.dropLast())))
            // s' = n - s is the same signature's high-S twin: refused.
            let compact = sig.compact
            let high = Array(compact[0..<32]) + subtract(n, Array(compact[32..<64]))
            #expect(!key.publicKey.isValidECDSA(try ECDSASignature(compact: high), digest: digest))
        }
        #expect(throws: Secp256k1Error.invalidSignature) { _ = try PrivateKey().signECDSA(digest: [1, 2, 3]) }
        #expect(throws: Secp256k1Error.invalidSignature) { _ = try ECDSASignature(compact: [0]) }
        #expect(throws: Secp256k1Error.invalidSignature) { _ = try ECDSASignature(der: []) }
        #expect(throws: Secp256k1Error.invalidSignature) { _ = try ECDSASignature(der: [0x30, 0x01, 0x00]) }
        // r = n is out of range in compact form.
        #expect(throws: Secp256k1Error.invalidSignature) { _ = try ECDSASignature(compact: n + Secp256k1KeyTests.scalar(1)) }
    }

    @Test("the shared context is safe under concurrent use")
    func concurrentUse() async throws {
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for i in 0..<8 {
                group.addTask {
                    let key = PrivateKey()
                    let digest = Array(SHA256.hash(data: [UInt8(i)]))
                    var ok = true
                    for _ in 0..<50 {
                        let sig = try key.signECDSA(digest: digest)
                        ok = ok && key.publicKey.isValidECDSA(sig, digest: digest)
                        let other = PrivateKey()
                        let mine = try ECDH.sha256Compressed(privateKey: key, publicKey: other.publicKey)
                        let theirs = try ECDH.sha256Compressed(privateKey: other, publicKey: key.publicKey)
                        ok = ok && mine == theirs
                    }
                    return ok
                }
            }
            for try await ok in group { #expect(ok) }
        }
    }

    /// a - b for 32-byte big-endian numbers with a > b.
    func subtract(_ a: [UInt8], _ b: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var borrow = 0
        for i in stride(from: 31, through: 0, by: -1) {
            var d = Int(a[i]) - Int(b[i]) - borrow
            borrow = d < 0 ? 1 : 0
            if d < 0 { d += 256 }
            out[i] = UInt8(d)
        }
        return out
    }
}
