import BitcoinPrimitives
@testable import ElligatorSwift
import Secp256k1
import Testing
import TestSupport

/// BIP324's official ElligatorSwift vectors, parsed at test time from ../shared/specs/bip324.
@Suite("ElligatorSwift vectors")
struct ElligatorSwiftVectorTests {
    @Test("ellswift_decode_test_vectors.csv: every row decodes to its x")
    func decodeVectors() throws {
        let rows = try SharedData.rows("specs/bip324/ellswift_decode_test_vectors.csv", separator: ",")
        #expect(rows.count >= 70, "expected the full vector file, got \(rows.count) rows")
        for (i, row) in rows.enumerated() {
            let encoding = try [UInt8](hex: row[0])
            let expected = try [UInt8](hex: row[1])
            let x = try ElligatorSwift.decode(encoding)
            #expect(x == expected, "row \(i) (\(row[2])): got \(x.hex)")
            #expect(FieldElement(bigEndian: x).isValidX, "row \(i): decoded x is not on the curve")
        }
    }

    @Test("xswiftec_inv_test_vectors.csv: every row, all eight branches")
    func inverseVectors() throws {
        let rows = try SharedData.rows("specs/bip324/xswiftec_inv_test_vectors.csv", separator: ",")
        #expect(rows.count >= 30, "expected the full vector file, got \(rows.count) rows")
        for (i, row) in rows.enumerated() {
            let u = try [UInt8](hex: row[0])
            let x = try [UInt8](hex: row[1])
            for branch in 0..<8 {
                let expected = row[2 + branch]
                let t = try ElligatorSwift.inverse(x: x, u: u, branch: branch)
                if expected.isEmpty {
                    #expect(t == nil, "row \(i) branch \(branch): expected no preimage, got \(t?.hex ?? "")")
                } else {
                    #expect(t?.hex == expected, "row \(i) branch \(branch) (\(row[10]))")
                    if let t {
                        #expect(try ElligatorSwift.decode(u + t) == x, "row \(i) branch \(branch): no round trip")
                    }
                }
            }
        }
    }
}

@Suite("ElligatorSwift field and encoder")
struct ElligatorSwiftFieldTests {
    @Test("sqrt(-3) constant squares to -3; half doubles to one")
    func constants() {
        #expect(XSwiftEC.minus3Sqrt.squared() == -FieldElement(3))
        #expect(FieldElement.half.doubled() == .one)
    }

    @Test("inverse, square root and reduction of values at or above p")
    func fieldIdentities() throws {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<50 {
            let a = FieldElement(l0: rng.next(), l1: rng.next(), l2: rng.next(), l3: rng.next())
            if a.isZero { continue }
            #expect(a * a.inverse() == .one)
            if let r = a.squared().squareRoot() { #expect(r == a || r == -a) } else { Issue.record("a^2 has no root") }
            #expect((a + a) - a == a)
        }
        // p itself reduces to zero, p + 1 to one.
        let p = FieldElement(l0: FieldElement.pLow, l1: .max, l2: .max, l3: .max)
        #expect(p.isZero)
        #expect(p + .one == .one)
        let max = FieldElement(l0: .max, l1: .max, l2: .max, l3: .max)
        #expect(max.bigEndianBytes.hex == "00000000000000000000000000000000000000000000000000000001000003d0")
        #expect((max * max).bigEndianBytes == (FieldElement(0x1_0000_03D0) * FieldElement(0x1_0000_03D0)).bigEndianBytes)
    }

    @Test("create encodes our public key; both sides' shared secrets agree")
    func createAndECDH() throws {
        for _ in 0..<8 {
            let a = PrivateKey(), b = PrivateKey()
            let ellA = try ElligatorSwift.create(privateKey: a)
            let ellB = try ElligatorSwift.create(privateKey: b)
            #expect(try ElligatorSwift.decode(ellA) == a.publicKey.x)
            let sA = try ElligatorSwift.bip324SharedSecret(privateKey: a, ours: ellA, theirs: ellB, initiating: true)
            let sB = try ElligatorSwift.bip324SharedSecret(privateKey: b, ours: ellB, theirs: ellA, initiating: false)
            #expect(sA == sB)
            let wrong = try ElligatorSwift.bip324SharedSecret(privateKey: b, ours: ellB, theirs: ellA, initiating: true)
            #expect(wrong != sA)
        }
    }

    @Test("the same randomness gives the same encoding; bad lengths throw")
    func deterministicAndErrors() throws {
        let key = try PrivateKey(rawRepresentation: [UInt8](repeating: 7, count: 32))
        let r = [UInt8](repeating: 42, count: 32)
        #expect(try ElligatorSwift.create(privateKey: key, randomness: r) == ElligatorSwift.create(privateKey: key, randomness: r))
        #expect(throws: ElligatorSwiftError.invalidLength(63)) { try ElligatorSwift.decode([UInt8](repeating: 0, count: 63)) }
        #expect(throws: ElligatorSwiftError.invalidLength(31)) { try ElligatorSwift.create(privateKey: key, randomness: [UInt8](repeating: 0, count: 31)) }
        #expect(throws: ElligatorSwiftError.invalidBranch(8)) {
            try ElligatorSwift.inverse(x: key.publicKey.x, u: r, branch: 8)
        }
    }
}

@Suite("ElligatorSwift field squaring")
struct FieldSquaringTests {
    @Test("dedicated squaring equals multiplication, including all-ones limbs")
    func squaringMatchesMultiplication() {
        var rng = SystemRandomNumberGenerator()
        let edge: [FieldElement] = [
            .zero, .one, FieldElement(l0: .max, l1: .max, l2: .max, l3: .max),
            FieldElement(l0: FieldElement.pLow, l1: .max, l2: .max, l3: .max),
            FieldElement(l0: 0, l1: 0, l2: 0, l3: 1 << 63),
        ]
        let random = (0..<500).map { _ in FieldElement(l0: rng.next(), l1: rng.next(), l2: rng.next(), l3: rng.next()) }
        for a in edge + random {
            #expect(a.squared() == a * a, "\(a)")
        }
    }
}
