/// Addition, subtraction, shifts, multiplication and division on ``UInt256``, all wrapping
/// modulo 2^256 like Core's `arith_uint256`, none trapping.
extension UInt256 {
    /// Sum and whether it overflowed 2^256.
    @inlinable
    public func addingReportingOverflow(_ b: UInt256) -> (partialValue: UInt256, overflow: Bool) {
        let (r0, c0) = w0.addingReportingOverflow(b.w0)
        var (r1, c1) = w1.addingReportingOverflow(b.w1)
        var c: Bool
        (r1, c) = r1.addingReportingOverflow(c0 ? 1 : 0); c1 = c1 || c
        var (r2, c2) = w2.addingReportingOverflow(b.w2)
        (r2, c) = r2.addingReportingOverflow(c1 ? 1 : 0); c2 = c2 || c
        var (r3, c3) = w3.addingReportingOverflow(b.w3)
        (r3, c) = r3.addingReportingOverflow(c2 ? 1 : 0); c3 = c3 || c
        return (UInt256(w0: r0, w1: r1, w2: r2, w3: r3), c3)
    }

    /// Difference and whether it borrowed (b > self).
    @inlinable
    public func subtractingReportingOverflow(_ b: UInt256) -> (partialValue: UInt256, overflow: Bool) {
        let (r0, b0) = w0.subtractingReportingOverflow(b.w0)
        var (r1, b1) = w1.subtractingReportingOverflow(b.w1)
        var o: Bool
        (r1, o) = r1.subtractingReportingOverflow(b0 ? 1 : 0); b1 = b1 || o
        var (r2, b2) = w2.subtractingReportingOverflow(b.w2)
        (r2, o) = r2.subtractingReportingOverflow(b1 ? 1 : 0); b2 = b2 || o
        var (r3, b3) = w3.subtractingReportingOverflow(b.w3)
        (r3, o) = r3.subtractingReportingOverflow(b2 ? 1 : 0); b3 = b3 || o
        return (UInt256(w0: r0, w1: r1, w2: r2, w3: r3), b3)
    }

    /// Wrapping addition (modulo 2^256).
    @inlinable
    public static func &+ (a: UInt256, b: UInt256) -> UInt256 { a.addingReportingOverflow(b).partialValue }

    /// Wrapping subtraction (modulo 2^256).
    @inlinable
    public static func &- (a: UInt256, b: UInt256) -> UInt256 { a.subtractingReportingOverflow(b).partialValue }

    /// Left shift; shifting by 256 or more gives zero, negative amounts shift right.
    @inlinable
    public static func << (a: UInt256, n: Int) -> UInt256 {
        if n < 0 { return a >> -n }
        if n >= 256 { return .zero }
        let limbs = n / 64, bits = n % 64
        var r = UInt256.zero
        var i = 3
        while i >= limbs {
            var v = a[limb: i - limbs] << UInt64(bits)
            if bits != 0, i - limbs - 1 >= 0 { v |= a[limb: i - limbs - 1] >> UInt64(64 - bits) }
            r[limb: i] = v
            i -= 1
        }
        return r
    }

    /// Right shift; shifting by 256 or more gives zero, negative amounts shift left.
    @inlinable
    public static func >> (a: UInt256, n: Int) -> UInt256 {
        if n < 0 { return a << -n }
        if n >= 256 { return .zero }
        let limbs = n / 64, bits = n % 64
        var r = UInt256.zero
        var i = 0
        while i + limbs <= 3 {
            var v = a[limb: i + limbs] >> UInt64(bits)
            if bits != 0, i + limbs + 1 <= 3 { v |= a[limb: i + limbs + 1] << UInt64(64 - bits) }
            r[limb: i] = v
            i += 1
        }
        return r
    }

    /// Product with a 64-bit factor, and the bits above 2^256 (zero when it did not overflow).
    @inlinable
    public func multipliedReportingOverflow(by m: UInt64) -> (partialValue: UInt256, high: UInt64) {
        var r = UInt256.zero
        var carry: UInt64 = 0
        for i in 0..<4 {
            let (hi, lo) = self[limb: i].multipliedFullWidth(by: m)
            let (sum, c) = lo.addingReportingOverflow(carry)
            r[limb: i] = sum
            carry = hi &+ (c ? 1 : 0)
        }
        return (r, carry)
    }

    /// Wrapping product with a 64-bit factor (modulo 2^256, as Core's `*=` with an integer).
    @inlinable
    public static func &* (a: UInt256, m: UInt64) -> UInt256 { a.multipliedReportingOverflow(by: m).partialValue }

    /// Quotient and remainder by a non-zero 64-bit divisor; `nil` when dividing by zero.
    @inlinable
    public func quotientAndRemainder(dividingBy d: UInt64) -> (quotient: UInt256, remainder: UInt64)? {
        guard d != 0 else { return nil }
        var q = UInt256.zero
        var rem: UInt64 = 0
        var i = 3
        while i >= 0 {
            let (qq, rr) = d.dividingFullWidth((high: rem, low: self[limb: i]))
            q[limb: i] = qq
            rem = rr
            i -= 1
        }
        return (q, rem)
    }

    /// Quotient by a full 256-bit divisor (binary long division); `nil` when dividing by zero.
    public func dividedReportingZero(by d: UInt256) -> UInt256? {
        if d.isZero { return nil }
        if d.w1 == 0, d.w2 == 0, d.w3 == 0 { return quotientAndRemainder(dividingBy: d.w0)?.quotient }
        if self < d { return .zero }
        var q = UInt256.zero
        var rem = self
        var shift = bitWidth - d.bitWidth
        var div = d << shift
        while shift >= 0 {
            if !(rem < div) {
                rem = rem &- div
                q[limb: shift / 64] |= 1 << UInt64(shift % 64)
            }
            div = div >> 1
            shift -= 1
        }
        return q
    }
}

extension UInt256 {
    /// `self * m / d` computed exactly through a 320-bit intermediate.
    /// - Returns: the quotient, or nil when `d` is zero or the quotient needs more than 256 bits.
    public func multiplied(by m: UInt64, dividedBy d: UInt64) -> UInt256? {
        guard d != 0 else { return nil }
        let (low, high) = multipliedReportingOverflow(by: m)
        let (topQuotient, topRemainder) = high.quotientAndRemainder(dividingBy: d)
        guard topQuotient == 0 else { return nil }
        var q = UInt256.zero
        var rem = topRemainder
        var i = 3
        while i >= 0 {
            let (qq, rr) = d.dividingFullWidth((high: rem, low: low[limb: i]))
            q[limb: i] = qq
            rem = rr
            i -= 1
        }
        return q
    }
}
