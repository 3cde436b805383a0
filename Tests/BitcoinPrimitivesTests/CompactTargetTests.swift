import Testing
@testable import BitcoinPrimitives

/// Vectors from Bitcoin Core's src/test/arith_uint256_tests.cpp (bignum_SetCompact).
@Suite struct CompactTargetTests {
    struct Vector: Sendable, CustomStringConvertible {
        let bits: UInt32
        let value: String
        let negative: Bool
        let overflow: Bool
        /// GetCompact(negative) of the decoded value.
        let reencoded: UInt32
        var description: String { "0x" + String(bits, radix: 16) }
    }

    static let vectors: [Vector] = [
        .init(bits: 0, value: "0", negative: false, overflow: false, reencoded: 0),
        .init(bits: 0x0012_3456, value: "0", negative: false, overflow: false, reencoded: 0),
        .init(bits: 0x0100_3456, value: "0", negative: false, overflow: false, reencoded: 0),
        .init(bits: 0x0200_0056, value: "0", negative: false, overflow: false, reencoded: 0),
        .init(bits: 0x0300_0000, value: "0", negative: false, overflow: false, reencoded: 0),
        .init(bits: 0x0400_0000, value: "0", negative: false, overflow: false, reencoded: 0),
        .init(bits: 0x0092_3456, value: "0", negative: false, overflow: false, reencoded: 0),
        .init(bits: 0x0180_3456, value: "0", negative: false, overflow: false, reencoded: 0),
        .init(bits: 0x0280_0056, value: "0", negative: false, overflow: false, reencoded: 0),
        .init(bits: 0x0380_0000, value: "0", negative: false, overflow: false, reencoded: 0),
        .init(bits: 0x0480_0000, value: "0", negative: false, overflow: false, reencoded: 0),
        .init(bits: 0x0112_3456, value: "12", negative: false, overflow: false, reencoded: 0x0112_0000),
        .init(bits: 0x01fe_dcba, value: "7e", negative: true, overflow: false, reencoded: 0x01fe_0000),
        .init(bits: 0x0212_3456, value: "1234", negative: false, overflow: false, reencoded: 0x0212_3400),
        .init(bits: 0x0312_3456, value: "123456", negative: false, overflow: false, reencoded: 0x0312_3456),
        .init(bits: 0x0412_3456, value: "12345600", negative: false, overflow: false, reencoded: 0x0412_3456),
        .init(bits: 0x0492_3456, value: "12345600", negative: true, overflow: false, reencoded: 0x0492_3456),
        .init(bits: 0x0500_9234, value: "92340000", negative: false, overflow: false, reencoded: 0x0500_9234),
        .init(bits: 0x2012_3456, value: "1234560000000000000000000000000000000000000000000000000000000000",
              negative: false, overflow: false, reencoded: 0x2012_3456),
        .init(bits: 0x1d00_ffff, value: "ffff0000000000000000000000000000000000000000000000000000",
              negative: false, overflow: false, reencoded: 0x1d00_ffff),
    ]

    @Test(arguments: vectors)
    func decodeAndReencode(_ v: Vector) throws {
        let d = CompactTarget.decode(v.bits)
        #expect(d.value == (try UInt256(bigEndianHex: v.value)))
        #expect(d.isNegative == v.negative)
        #expect(d.isOverflow == v.overflow)
        #expect(CompactTarget.encode(d.value, negative: d.isNegative) == v.reencoded)
    }

    @Test func overflowEdges() {
        #expect(CompactTarget.decode(0xff12_3456).isOverflow)
        #expect(CompactTarget.decode(0x2200_00ff).isOverflow == false)  // 0xff << 248: fits
        #expect(CompactTarget.decode(0x2200_0100).isOverflow)           // 0x100 << 248: does not
        #expect(CompactTarget.decode(0x2100_ffff).isOverflow == false)
        #expect(CompactTarget.decode(0x2101_0000).isOverflow)
        #expect(CompactTarget.decode(0x2300_0001).isOverflow)
        #expect(CompactTarget.decode(0xff00_0000).isOverflow == false)  // zero mantissa: zero, no flag
    }

    @Test func encodeTakesAByteWhenTheSignBitWouldBeSet() {
        #expect(CompactTarget.encode(UInt256(0x80)) == 0x0200_8000)
        #expect(CompactTarget.encode(UInt256(0x12_3456)) == 0x0312_3456)
        #expect(CompactTarget.encode(.zero) == 0)
        #expect(CompactTarget.encode(ChainParams.regtest.powLimit) == 0x207f_ffff)
        #expect(CompactTarget.encode(ChainParams.main.powLimit) == 0x1d00_ffff)
        #expect(CompactTarget.encode(ChainParams.signet.powLimit) == 0x1e03_77ae)
    }

    @Test func roundTripsOfCanonicalBits() {
        // Canonical compact values (mantissa top byte non-zero, sign clear) survive a round trip.
        for exponent in UInt32(4)...32 {
            for mantissa: UInt32 in [0x01_0000, 0x12_3456, 0x7f_ffff, 0x00_ffff + 0x01_0000] {
                let bits = exponent << 24 | mantissa
                #expect(CompactTarget.encode(CompactTarget.decode(bits).value) == bits, "0x\(String(bits, radix: 16))")
            }
        }
    }
}
