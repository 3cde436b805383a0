/// An unsigned 256-bit integer on four fixed 64-bit limbs (no heap), for targets and chain work.
///
/// Semantics follow Bitcoin Core's `arith_uint256`: `+`, `-`, `*` wrap modulo 2^256, shifts by
/// 256 or more give zero, and division by zero is reported instead of trapping
/// (``dividedReportingZero(by:)``). Limb 0 is the least significant.
public struct UInt256: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// Limbs, least significant first.
    public var w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64

    public static let zero = UInt256(0)
    public static let max = UInt256(w0: .max, w1: .max, w2: .max, w3: .max)

    @inlinable
    public init(w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64) {
        self.w0 = w0; self.w1 = w1; self.w2 = w2; self.w3 = w3
    }

    @inlinable
    public init(_ value: UInt64) { self.init(w0: value, w1: 0, w2: 0, w3: 0) }

    /// The hash read as a little-endian number, as Core's `UintToArith256` does for a block hash.
    @inlinable
    public init(_ hash: Hash256) {
        self.init(w0: hash.words.0, w1: hash.words.1, w2: hash.words.2, w3: hash.words.3)
    }

    @inlinable public var isZero: Bool { (w0 | w1 | w2 | w3) == 0 }

    /// The low 64 bits.
    @inlinable public var low64: UInt64 { w0 }

    /// Number of significant bits (0 for zero), as Core's `bits()`.
    @inlinable
    public var bitWidth: Int {
        if w3 != 0 { return 256 - w3.leadingZeroBitCount }
        if w2 != 0 { return 192 - w2.leadingZeroBitCount }
        if w1 != 0 { return 128 - w1.leadingZeroBitCount }
        return 64 - w0.leadingZeroBitCount
    }

    /// Limb `i` (0 least significant, 3 most); out-of-range indices read and write limb 3.
    @inlinable
    public subscript(limb i: Int) -> UInt64 {
        get {
            switch i {
            case 0: return w0
            case 1: return w1
            case 2: return w2
            default: return w3
            }
        }
        set {
            switch i {
            case 0: w0 = newValue
            case 1: w1 = newValue
            case 2: w2 = newValue
            default: w3 = newValue
            }
        }
    }

    @inlinable
    public static func < (a: UInt256, b: UInt256) -> Bool {
        if a.w3 != b.w3 { return a.w3 < b.w3 }
        if a.w2 != b.w2 { return a.w2 < b.w2 }
        if a.w1 != b.w1 { return a.w1 < b.w1 }
        return a.w0 < b.w0
    }

    @inlinable
    public static prefix func ~ (a: UInt256) -> UInt256 {
        UInt256(w0: ~a.w0, w1: ~a.w1, w2: ~a.w2, w3: ~a.w3)
    }

    public var description: String { "0x" + bigEndianHex }
}
