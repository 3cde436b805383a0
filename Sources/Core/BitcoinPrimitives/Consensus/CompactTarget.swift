/// The compact ("nBits") encoding of a 256-bit target: one exponent byte (size in bytes) and a
/// 23-bit mantissa with a sign bit at 0x00800000.
///
/// Semantics follow Bitcoin Core's `arith_uint256::SetCompact` / `GetCompact`
/// (src/arith_uint256.cpp), including their edge cases: a set sign bit with a non-zero mantissa
/// is "negative"; a mantissa shifted past 256 bits is "overflow"; a zero mantissa is zero whatever
/// the exponent.
public enum CompactTarget {
    /// A decoded nBits value with Core's flags.
    public struct Decoded: Equatable, Sendable {
        /// The value (the mantissa shifted into place; bits shifted past 2^256 are lost).
        public var value: UInt256
        /// The sign bit was set with a non-zero mantissa.
        public var isNegative: Bool
        /// The mantissa does not fit in 256 bits at this exponent.
        public var isOverflow: Bool

        @inlinable
        public init(value: UInt256, isNegative: Bool, isOverflow: Bool) {
            self.value = value
            self.isNegative = isNegative
            self.isOverflow = isOverflow
        }
    }

    /// Decodes nBits as Core's `SetCompact` does.
    /// - Parameter bits: the compact value.
    /// - Returns: the value and the negative and overflow flags.
    @inlinable
    public static func decode(_ bits: UInt32) -> Decoded {
        let size = Int(bits >> 24)
        var word = bits & 0x007f_ffff
        let value: UInt256
        if size <= 3 {
            word >>= UInt32(8 * (3 - size))
            value = UInt256(UInt64(word))
        } else {
            value = UInt256(UInt64(word)) << (8 * (size - 3))
        }
        let negative = word != 0 && (bits & 0x0080_0000) != 0
        let overflow = word != 0 && (size > 34 || (word > 0xff && size > 33) || (word > 0xffff && size > 32))
        return Decoded(value: value, isNegative: negative, isOverflow: overflow)
    }

    /// Encodes a value as nBits as Core's `GetCompact` does (rounding the mantissa down to its
    /// top 23 bits).
    /// - Parameters:
    ///   - value: the target.
    ///   - negative: set the sign bit (only if the mantissa is non-zero).
    /// - Returns: the compact form.
    @inlinable
    public static func encode(_ value: UInt256, negative: Bool = false) -> UInt32 {
        var size = (value.bitWidth + 7) / 8
        var compact: UInt32
        if size <= 3 {
            compact = UInt32(truncatingIfNeeded: value.low64 << UInt64(8 * (3 - size)))
        } else {
            compact = UInt32(truncatingIfNeeded: (value >> (8 * (size - 3))).low64)
        }
        // A mantissa with the sign bit set would read back as negative: take one more byte.
        if compact & 0x0080_0000 != 0 {
            compact >>= 8
            size += 1
        }
        compact |= UInt32(size) << 24
        if negative, compact & 0x007f_ffff != 0 { compact |= 0x0080_0000 }
        return compact
    }
}
