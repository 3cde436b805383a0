import BitcoinPrimitives
import Secp256k1
import Testing
import TestSupport

/// The lead's Secp256k1 wrapper: keys, serialisation, tweaks, invalid input.
@Suite("Secp256k1 keys")
struct Secp256k1KeyTests {
    /// secp256k1 constants (SEC 2): the generator and the group order n.
    static let generatorCompressed = "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
    static let generatorUncompressed = "0479be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
        + "483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8"
    static let twoGCompressed = "02c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5"
    static let order = "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141"

    static func scalar(_ n: UInt8) -> [UInt8] { [UInt8](repeating: 0, count: 31) + [n] }

    @Test("private key 1 gives the generator, compressed and uncompressed")
    func generator() throws {
        let one = try PrivateKey(rawRepresentation: Self.scalar(1))
        #expect(one.publicKey.serialized().hex == Self.generatorCompressed)
        #expect(one.publicKey.serialized(compressed: false).hex == Self.generatorUncompressed)
        #expect(one.publicKey.x.hex == String(Self.generatorCompressed.dropFirst(2)))
        #expect(try PrivateKey(rawRepresentation: Self.scalar(2)).publicKey.serialized().hex == Self.twoGCompressed)
    }

    @Test("public keys parse from both encodings and serialise back")
    func parseSerialize() throws {
        let compressed = try PublicKey(serialized: try [UInt8](hex: Self.generatorCompressed))
        let uncompressed = try PublicKey(serialized: try [UInt8](hex: Self.generatorUncompressed))
        #expect(compressed == uncompressed)
        #expect(uncompressed.serialized().hex == Self.generatorCompressed)
        #expect(compressed.serialized(compressed: false).hex == Self.generatorUncompressed)
        #expect(try PublicKey(evenYWithX: compressed.x) == compressed)
        for _ in 0..<20 {
            let key = PrivateKey().publicKey
            #expect(try PublicKey(serialized: key.serialized()) == key)
            #expect(try PublicKey(serialized: key.serialized(compressed: false)) == key)
            #expect(key.description == key.serialized().hex)
        }
    }

    @Test("BOLT 8 vector keys: every ls.priv and e.priv gives its ls.pub and e.pub")
    func bolt8VectorKeys() throws {
        var checked = 0
        for vector in try BOLT8Vectors.load() where vector.section != .message {
            for (priv, pub) in [("ls.priv", "ls.pub"), ("e.priv", "e.pub")] {
                let key = try PrivateKey(rawRepresentation: vector.bytes(priv))
                #expect(key.publicKey.serialized() == (try vector.bytes(pub)), "\(vector.name) \(priv)")
                checked += 1
            }
        }
        #expect(checked == 30)
    }

    @Test("invalid private keys are refused: zero, n, above n, wrong length")
    func invalidPrivateKeys() throws {
        let n = try [UInt8](hex: Self.order)
        var nPlusOne = n
        nPlusOne[31] &+= 1
        var nMinusOne = n
        nMinusOne[31] &-= 1
        for bad in [Self.scalar(0), n, nPlusOne, [UInt8](repeating: 0xff, count: 32),
                    [UInt8](repeating: 1, count: 31), [UInt8](repeating: 1, count: 33), []] {
            #expect(throws: Secp256k1Error.invalidPrivateKey) { _ = try PrivateKey(rawRepresentation: bad) }
        }
        #expect(throws: Never.self) { _ = try PrivateKey(rawRepresentation: nMinusOne) }
    }

    @Test("invalid public keys are refused: bad prefix, bad length, point off the curve")
    func invalidPublicKeys() throws {
        let g = try [UInt8](hex: Self.generatorCompressed)
        var g04 = g
        g04[0] = 0x04
        var g05 = g
        g05[0] = 0x05
        var offCurve = try [UInt8](hex: Self.generatorUncompressed)
        offCurve[64] ^= 1  // y + 1 (or - 1): not on the curve
        let uncompressedWith02 = [0x02] + Array(offCurve.dropFirst())
        for bad in [g04, g05, Array(g.dropLast()), g + [0], offCurve, uncompressedWith02, [], [0x02]] {
            #expect(throws: Secp256k1Error.invalidPublicKey) { _ = try PublicKey(serialized: bad) }
        }
        #expect(throws: Secp256k1Error.invalidPublicKey) { _ = try PublicKey(evenYWithX: [1, 2, 3]) }
        // An x with no point: x³ + 7 must be a square mod p for about half of all x; among the
        // first 32 small x some must be refused, and every accepted one must round-trip.
        var refused = 0
        for x in 1...32 {
            if let key = try? PublicKey(evenYWithX: Self.scalar(UInt8(x))) {
                #expect(key.x == Self.scalar(UInt8(x)))
            } else {
                refused += 1
            }
        }
        #expect(refused > 0 && refused < 32)
    }

    @Test("tweaks: secret and public tweaks agree; out-of-range tweaks refused")
    func tweaks() throws {
        let one = try PrivateKey(rawRepresentation: Self.scalar(1))
        #expect(try one.tweakedAdd(Self.scalar(1)).publicKey.serialized().hex == Self.twoGCompressed)
        #expect(try one.publicKey.tweakedAdd(Self.scalar(1)).serialized().hex == Self.twoGCompressed)
        #expect(try one.publicKey.tweakedMultiply(Self.scalar(2)).serialized().hex == Self.twoGCompressed)
        for _ in 0..<10 {
            let k = PrivateKey()
            let t = PrivateKey().rawRepresentation
            #expect(try k.tweakedAdd(t).publicKey == (try k.publicKey.tweakedAdd(t)))
            #expect(try k.tweakedMultiply(t).publicKey == (try k.publicKey.tweakedMultiply(t)))
        }
        let n = try [UInt8](hex: Self.order)
        #expect(throws: Secp256k1Error.invalidTweak) { _ = try one.tweakedAdd(n) }
        #expect(throws: Secp256k1Error.invalidTweak) { _ = try one.tweakedAdd([1, 2]) }
        #expect(throws: Secp256k1Error.invalidTweak) { _ = try one.tweakedMultiply(Self.scalar(0)) }
        #expect(throws: Secp256k1Error.invalidTweak) { _ = try one.publicKey.tweakedMultiply(Self.scalar(0)) }
        #expect(throws: Secp256k1Error.invalidTweak) { _ = try one.publicKey.tweakedAdd(n) }
        // 1 + (n - 1) = 0: the result would be zero / infinity.
        var nMinusOne = n
        nMinusOne[31] &-= 1
        #expect(throws: Secp256k1Error.self) { _ = try one.tweakedAdd(nMinusOne) }
        #expect(throws: Secp256k1Error.invalidTweak) { _ = try one.publicKey.tweakedAdd(nMinusOne) }
    }
}
