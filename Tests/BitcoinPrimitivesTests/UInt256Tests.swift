import Testing
@testable import BitcoinPrimitives

@Suite struct UInt256Tests {
    let big = UInt256(w0: 0x0123_4567_89ab_cdef, w1: 0xfedc_ba98_7654_3210, w2: 0x1111_2222_3333_4444, w3: 0x8000_0000_0000_0001)

    @Test func hexRoundTripAndMalformed() throws {
        let hex = "80000000000000011111222233334444fedcba98765432100123456789abcdef"
        #expect(big.bigEndianHex == hex)
        #expect(try UInt256(bigEndianHex: hex) == big)
        #expect(try UInt256(bigEndianHex: "100010001") == UInt256(0x1_0001_0001))
        #expect(throws: (any Error).self) { try UInt256(bigEndianHex: "zz") }
        #expect(throws: (any Error).self) { try UInt256(bigEndianHex: String(repeating: "f", count: 66)) }
        #expect(try UInt256(bigEndianBytes: big.bigEndianBytes) == big)
    }

    @Test func addSubWrapLikeCore() {
        let (sum, overflow) = UInt256.max.addingReportingOverflow(UInt256(1))
        #expect(sum == .zero && overflow)
        #expect(UInt256.zero &- UInt256(1) == .max)
        #expect((big &+ big) &- big == big)
        // Carry across every limb.
        let carry = UInt256(w0: .max, w1: .max, w2: .max, w3: 0) &+ UInt256(1)
        #expect(carry == UInt256(w0: 0, w1: 0, w2: 0, w3: 1))
    }

    @Test func shifts() {
        #expect(UInt256(1) << 255 == UInt256(w0: 0, w1: 0, w2: 0, w3: 1 << 63))
        #expect(UInt256(1) << 256 == .zero)
        #expect((UInt256(1) << 200) >> 200 == UInt256(1))
        #expect(big >> 256 == .zero)
        #expect(UInt256(0xff) << 60 == UInt256(w0: 0xf000_0000_0000_0000, w1: 0xf, w2: 0, w3: 0))
        for n in [0, 1, 7, 63, 64, 65, 127, 128, 191, 200, 255] {
            #expect((big << n) >> n == big & ((UInt256.max) >> n), "shift \(n)")
        }
        #expect(big.bitWidth == 256 && UInt256(1).bitWidth == 1 && UInt256.zero.bitWidth == 0)
    }

    @Test func multiplyAndDivide() throws {
        let (p, high) = UInt256.max.multipliedReportingOverflow(by: 2)
        #expect(p == UInt256.max &- UInt256(1) && high == 1)
        let q = try #require(big.quotientAndRemainder(dividingBy: 1_209_600))
        #expect((q.quotient &* 1_209_600) &+ UInt256(q.remainder) == big)
        #expect(big.quotientAndRemainder(dividingBy: 0) == nil)
        // Exact a * m / d through 320 bits, where a * m alone would wrap.
        let half = UInt256(1) << 255
        #expect(half.multiplied(by: 6, dividedBy: 8) == (UInt256(3) << 253))
        #expect(half.multiplied(by: 2, dividedBy: 1) == nil)
        #expect(half.multiplied(by: 2, dividedBy: 0) == nil)
        #expect(big.dividedReportingZero(by: .zero) == nil)
        #expect(big.dividedReportingZero(by: big) == UInt256(1))
        #expect(UInt256(5).dividedReportingZero(by: big) == .zero)
        let divisor = UInt256(w0: 3, w1: 0x1234_5678, w2: 0, w3: 0)
        let quotient = try #require(big.dividedReportingZero(by: divisor))
        // quotient * divisor <= big < (quotient + 1) * divisor, checked with small-limb products.
        let lowPart = quotient &* 3
        let highPart = (quotient &* 0x1234_5678) << 64
        let product = lowPart &+ highPart
        #expect(!(big < product))
        #expect(big &- product < divisor)
    }
}

extension UInt256 {
    static func & (a: UInt256, b: UInt256) -> UInt256 {
        UInt256(w0: a.w0 & b.w0, w1: a.w1 & b.w1, w2: a.w2 & b.w2, w3: a.w3 & b.w3)
    }
}
