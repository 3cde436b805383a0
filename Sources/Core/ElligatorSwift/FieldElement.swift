/// An element of secp256k1's base field GF(p), p = 2^256 - 2^32 - 977, on four 64-bit limbs.
///
/// **Public values only.** ElligatorSwift encodes and decodes public keys: every value this type
/// ever holds (u, t, x coordinates, intermediate quotients) is derived from public data or from
/// public randomness that is sent on the wire. The secret scalar never leaves libsecp256k1.
/// That is why this arithmetic is allowed to be variable time (early exits, branches on values).
///
/// Representation: `limbs` little endian, any value below 2^256 (not necessarily below p);
/// ``normalized()`` reduces to the canonical form below p, and `==` compares canonical forms.
struct FieldElement: Equatable, Sendable {
    var l0: UInt64
    var l1: UInt64
    var l2: UInt64
    var l3: UInt64

    /// 2^256 mod p = 2^32 + 977: the reduction constant (p = 2^256 - C).
    static let c: UInt64 = 0x1_0000_03D1
    /// p's low limb; the three high limbs of p are all ones.
    static let pLow: UInt64 = 0xFFFF_FFFE_FFFF_FC2F

    static let zero = FieldElement(l0: 0, l1: 0, l2: 0, l3: 0)
    static let one = FieldElement(l0: 1, l1: 0, l2: 0, l3: 0)
    static let seven = FieldElement(l0: 7, l1: 0, l2: 0, l3: 0)

    @inline(__always)
    init(l0: UInt64, l1: UInt64, l2: UInt64, l3: UInt64) {
        self.l0 = l0
        self.l1 = l1
        self.l2 = l2
        self.l3 = l3
    }

    /// A small integer.
    init(_ small: UInt64) { self.init(l0: small, l1: 0, l2: 0, l3: 0) }

    /// Reads 32 big-endian bytes; values at or above p are reduced (as BIP324 does for u and t).
    /// - Parameter bytes: exactly 32 bytes (callers check the length).
    init<C: Collection>(bigEndian bytes: C) where C.Element == UInt8 {
        var limbs: [UInt64] = [0, 0, 0, 0]
        var i = 0
        for byte in bytes.reversed() where i < 32 {
            limbs[i >> 3] |= UInt64(byte) << (UInt64(i & 7) * 8)
            i += 1
        }
        self.init(l0: limbs[0], l1: limbs[1], l2: limbs[2], l3: limbs[3])
    }

    /// The canonical 32 big-endian bytes (value reduced below p).
    var bigEndianBytes: [UInt8] {
        let n = normalized()
        var out = [UInt8](repeating: 0, count: 32)
        for (k, limb) in [n.l3, n.l2, n.l1, n.l0].enumerated() {
            for j in 0..<8 { out[k * 8 + j] = UInt8(truncatingIfNeeded: limb >> (UInt64(7 - j) * 8)) }
        }
        return out
    }

    /// The same value, reduced below p.
    @inline(__always)
    func normalized() -> FieldElement {
        if l3 == .max && l2 == .max && l1 == .max && l0 >= Self.pLow {
            // value - p = value + C - 2^256: the low limb absorbs it without carrying out.
            return FieldElement(l0: l0 &- Self.pLow, l1: 0, l2: 0, l3: 0)
        }
        return self
    }

    var isZero: Bool {
        let n = normalized()
        return n.l0 | n.l1 | n.l2 | n.l3 == 0
    }

    /// True when the canonical value is odd.
    var isOdd: Bool { normalized().l0 & 1 == 1 }

    static func == (a: FieldElement, b: FieldElement) -> Bool {
        let x = a.normalized(), y = b.normalized()
        return x.l0 == y.l0 && x.l1 == y.l1 && x.l2 == y.l2 && x.l3 == y.l3
    }
}
