/// Ring operations mod p. Inputs may be any value below 2^256; results are below 2^256.
///
/// Carries go through `UInt128` sums sized so they cannot overflow (a·b + c + d < 2^128 for
/// 64-bit a, b, c, d), which compiles to branch-free mul/add/adc chains: an earlier version
/// with `addingReportingOverflow` carries compiled to data-dependent branches and ran ~3x slower.
extension FieldElement {
    /// a·b + c + d as (low, high) words; cannot overflow 128 bits.
    @inline(__always)
    static func mulAdd(_ a: UInt64, _ b: UInt64, _ c: UInt64, _ d: UInt64) -> (UInt64, UInt64) {
        let t = UInt128(a) &* UInt128(b) &+ UInt128(c) &+ UInt128(d)
        return (UInt64(truncatingIfNeeded: t), UInt64(truncatingIfNeeded: t &>> 64))
    }

    /// a + b + c as (low, carry).
    @inline(__always)
    static func add3(_ a: UInt64, _ b: UInt64, _ c: UInt64) -> (UInt64, UInt64) {
        let t = UInt128(a) &+ UInt128(b) &+ UInt128(c)
        return (UInt64(truncatingIfNeeded: t), UInt64(truncatingIfNeeded: t &>> 64))
    }

    /// a - b - borrow as (low, borrow out in {0, 1}).
    @inline(__always)
    static func sub3(_ a: UInt64, _ b: UInt64, _ borrow: UInt64) -> (UInt64, UInt64) {
        let t = UInt128(a) &- UInt128(b) &- UInt128(borrow)
        return (UInt64(truncatingIfNeeded: t), UInt64(truncatingIfNeeded: t &>> 127))
    }

    /// value + k·C for a small k (a carry out of 2^256 folded back, as 2^256 ≡ C).
    @inline(__always)
    static func fold(_ r0: UInt64, _ r1: UInt64, _ r2: UInt64, _ r3: UInt64, _ k: UInt64) -> FieldElement {
        var (s0, c) = mulAdd(k, FieldElement.c, r0, 0)
        var s1: UInt64, s2: UInt64, s3: UInt64
        (s1, c) = add3(r1, c, 0)
        (s2, c) = add3(r2, c, 0)
        (s3, c) = add3(r3, c, 0)
        if c != 0 {
            // Wrapped past 2^256 again: the value is now tiny, so one more C cannot carry out.
            (s0, c) = add3(s0, FieldElement.c, 0)
            (s1, c) = add3(s1, c, 0)
            (s2, c) = add3(s2, c, 0)
            s3 &+= c
        }
        return FieldElement(l0: s0, l1: s1, l2: s2, l3: s3)
    }

    @inline(__always)
    static func + (a: FieldElement, b: FieldElement) -> FieldElement {
        var (r0, k) = add3(a.l0, b.l0, 0)
        var r1: UInt64, r2: UInt64, r3: UInt64
        (r1, k) = add3(a.l1, b.l1, k)
        (r2, k) = add3(a.l2, b.l2, k)
        (r3, k) = add3(a.l3, b.l3, k)
        return fold(r0, r1, r2, r3, k)
    }

    @inline(__always)
    static func - (a: FieldElement, b: FieldElement) -> FieldElement {
        var (r0, k) = sub3(a.l0, b.l0, 0)
        var r1: UInt64, r2: UInt64, r3: UInt64
        (r1, k) = sub3(a.l1, b.l1, k)
        (r2, k) = sub3(a.l2, b.l2, k)
        (r3, k) = sub3(a.l3, b.l3, k)
        // A borrow added 2^256 ≡ C: take C away again (twice at most).
        while k != 0 {
            (r0, k) = sub3(r0, FieldElement.c, 0)
            (r1, k) = sub3(r1, 0, k)
            (r2, k) = sub3(r2, 0, k)
            (r3, k) = sub3(r3, 0, k)
        }
        return FieldElement(l0: r0, l1: r1, l2: r2, l3: r3)
    }

    @inline(__always)
    static prefix func - (a: FieldElement) -> FieldElement { .zero - a }

    /// Schoolbook product, row by row, into eight limbs, then reduction with 2^256 ≡ C.
    @inline(__always)
    static func * (a: FieldElement, b: FieldElement) -> FieldElement {
        var k: UInt64
        var r0: UInt64, r1: UInt64, r2: UInt64, r3: UInt64, r4: UInt64, r5: UInt64, r6: UInt64, r7: UInt64
        (r0, k) = mulAdd(a.l0, b.l0, 0, 0)
        (r1, k) = mulAdd(a.l0, b.l1, 0, k)
        (r2, k) = mulAdd(a.l0, b.l2, 0, k)
        (r3, r4) = mulAdd(a.l0, b.l3, 0, k)
        (r1, k) = mulAdd(a.l1, b.l0, r1, 0)
        (r2, k) = mulAdd(a.l1, b.l1, r2, k)
        (r3, k) = mulAdd(a.l1, b.l2, r3, k)
        (r4, r5) = mulAdd(a.l1, b.l3, r4, k)
        (r2, k) = mulAdd(a.l2, b.l0, r2, 0)
        (r3, k) = mulAdd(a.l2, b.l1, r3, k)
        (r4, k) = mulAdd(a.l2, b.l2, r4, k)
        (r5, r6) = mulAdd(a.l2, b.l3, r5, k)
        (r3, k) = mulAdd(a.l3, b.l0, r3, 0)
        (r4, k) = mulAdd(a.l3, b.l1, r4, k)
        (r5, k) = mulAdd(a.l3, b.l2, r5, k)
        (r6, r7) = mulAdd(a.l3, b.l3, r6, k)
        return reduce(r0, r1, r2, r3, r4, r5, r6, r7)
    }

    /// Reduces lo + hi·2^256 (eight limbs) to below 2^256 using hi·2^256 ≡ hi·C.
    @inline(__always)
    static func reduce(
        _ r0: UInt64, _ r1: UInt64, _ r2: UInt64, _ r3: UInt64,
        _ r4: UInt64, _ r5: UInt64, _ r6: UInt64, _ r7: UInt64
    ) -> FieldElement {
        var k: UInt64
        var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64
        (s0, k) = mulAdd(r4, c, r0, 0)
        (s1, k) = mulAdd(r5, c, r1, k)
        (s2, k) = mulAdd(r6, c, r2, k)
        (s3, k) = mulAdd(r7, c, r3, k)
        // k < 2^34: fold it (k·C < 2^67) back in.
        return fold(s0, s1, s2, s3, k)
    }

    /// Squaring with 10 word products instead of 16: the six cross products once, doubled by a
    /// one-bit shift, plus the four squares on the diagonal.
    @inline(__always)
    func squared() -> FieldElement {
        var k: UInt64
        var t1: UInt64, t2: UInt64, t3: UInt64, t4: UInt64, t5: UInt64, t6: UInt64
        (t1, k) = Self.mulAdd(l0, l1, 0, 0)
        (t2, k) = Self.mulAdd(l0, l2, 0, k)
        (t3, t4) = Self.mulAdd(l0, l3, 0, k)
        (t3, k) = Self.mulAdd(l1, l2, t3, 0)
        (t4, t5) = Self.mulAdd(l1, l3, t4, k)
        (t5, t6) = Self.mulAdd(l2, l3, t5, 0)
        // Double the cross products (bit 511 of a square of a 256-bit value is never reached).
        let t7 = t6 >> 63
        t6 = t6 << 1 | t5 >> 63
        t5 = t5 << 1 | t4 >> 63
        t4 = t4 << 1 | t3 >> 63
        t3 = t3 << 1 | t2 >> 63
        t2 = t2 << 1 | t1 >> 63
        t1 = t1 << 1
        // Add the squares a_i^2 at limb 2i.
        let (r0, h0) = Self.mulAdd(l0, l0, 0, 0)
        var r1: UInt64, r2: UInt64, r3: UInt64, r4: UInt64, r5: UInt64, r6: UInt64, r7: UInt64
        (r1, k) = Self.add3(t1, h0, 0)
        let (s1, h1) = Self.mulAdd(l1, l1, 0, 0)
        (r2, k) = Self.add3(t2, s1, k)
        (r3, k) = Self.add3(t3, h1, k)
        let (s2, h2) = Self.mulAdd(l2, l2, 0, 0)
        (r4, k) = Self.add3(t4, s2, k)
        (r5, k) = Self.add3(t5, h2, k)
        let (s3, h3) = Self.mulAdd(l3, l3, 0, 0)
        (r6, k) = Self.add3(t6, s3, k)
        (r7, _) = Self.add3(t7, h3, k)
        return Self.reduce(r0, r1, r2, r3, r4, r5, r6, r7)
    }

    /// Doubling.
    @inline(__always)
    func doubled() -> FieldElement { self + self }

    /// Halving: multiplies by the inverse of 2, (p + 1) / 2.
    func halved() -> FieldElement { self * FieldElement.half }

    /// (p + 1) / 2, the inverse of 2.
    static let half = FieldElement(
        l0: 0xFFFF_FFFF_7FFF_FE18, l1: 0xFFFF_FFFF_FFFF_FFFF, l2: 0xFFFF_FFFF_FFFF_FFFF, l3: 0x7FFF_FFFF_FFFF_FFFF)
}
