import BitcoinPrimitives

/// Core's proof-of-work check for regtest headers.
extension Regtest {
    /// CheckProofOfWork (src/pow.cpp, v26-v28): the compact `bits` must decode to a target that
    /// is positive, does not overflow 256 bits and is at most the regtest powLimit
    /// (0x7fffff << 232, compact 0x207fffff); the hash must not exceed it. Core rejects the
    /// header with "high-hash" otherwise (CheckBlockHeader, src/validation.cpp).
    /// - Parameters:
    ///   - hash: the header's hash.
    ///   - bits: the header's compact target.
    /// - Returns: true when the header's work is valid.
    static func checkProofOfWork(_ hash: BlockHash, bits: UInt32) -> Bool {
        let exponent = Int(bits >> 24)
        let mantissa = bits & 0x007f_ffff
        // arith_uint256::SetCompact: the sign bit with a non-zero mantissa is negative; a
        // mantissa shifted past 256 bits overflows.
        let negative = mantissa != 0 && bits & 0x0080_0000 != 0
        let overflow = mantissa != 0
            && (exponent > 34 || (mantissa > 0xff && exponent > 33) || (mantissa > 0xffff && exponent > 32))
        guard !negative, !overflow, mantissa != 0 else { return false }
        let target = targetBytes(exponent: exponent, mantissa: mantissa)
        guard target.count == 32, !target.allSatisfy({ $0 == 0 }) else { return false }
        let limit = targetBytes(exponent: Int(Self.bits >> 24), mantissa: Self.bits & 0x007f_ffff)
        guard !limit.lexicographicallyPrecedes(target) else { return false }
        let value = Array(hash.internalBytes.reversed())  // big-endian numeric value
        return !target.lexicographicallyPrecedes(value)
    }

    /// The target `mantissa * 256^(exponent-3)` as 32 big-endian bytes (bytes shifted out below
    /// the lowest position are dropped, as SetCompact's right shift does).
    static func targetBytes(exponent: Int, mantissa: UInt32) -> [UInt8] {
        var target = [UInt8](repeating: 0, count: 32)
        let m = [UInt8((mantissa >> 16) & 0xff), UInt8((mantissa >> 8) & 0xff), UInt8(mantissa & 0xff)]
        for (i, byte) in m.enumerated() {
            let pos = 32 - exponent + i
            if pos >= 0 && pos < 32 { target[pos] = byte }
        }
        return target
    }

    /// The target `bits` encodes as 64 hex digits, as getblockheader's "target" (v29+) prints
    /// it: big-endian, zero-padded. simnode's headers always carry a valid regtest target.
    static func targetHex(bits: UInt32) -> String {
        targetBytes(exponent: Int(bits >> 24), mantissa: bits & 0x007f_ffff).hex
    }
}
