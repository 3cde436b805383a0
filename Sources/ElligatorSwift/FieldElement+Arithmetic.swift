/// Ring operations mod p. Inputs may be any value below 2^256; results are below 2^256.
extension FieldElement {
    @inline(__always)
    static func + (a: FieldElement, b: FieldElement) -> FieldElement {
        var k: UInt64 = 0
        var r0 = addCarry(a.l0, b.l0, &k)
        var r1 = addCarry(a.l1, b.l1, &k)
        var r2 = addCarry(a.l2, b.l2, &k)
        var r3 = addCarry(a.l3, b.l3, &k)
        // 2^256 ≡ C (mod p): fold each carry out of the top back in. At most twice.
        while k != 0 {
            var k2: UInt64 = 0
            r0 = addCarry(r0, c, &k2)
            r1 = addCarry(r1, 0, &k2)
            r2 = addCarry(r2, 0, &k2)
            r3 = addCarry(r3, 0, &k2)
            k = k2
        }
        return FieldElement(l0: r0, l1: r1, l2: r2, l3: r3)
    }

    @inline(__always)
    static func - (a: FieldElement, b: FieldElement) -> FieldElement {
        var k: UInt64 = 0
        var r0 = subBorrow(a.l0, b.l0, &k)
        var r1 = subBorrow(a.l1, b.l1, &k)
        var r2 = subBorrow(a.l2, b.l2, &k)
        var r3 = subBorrow(a.l3, b.l3, &k)
        // A borrow added 2^256 ≡ C: take C away again. At most twice.
        while k != 0 {
            var k2: UInt64 = 0
            r0 = subBorrow(r0, c, &k2)
            r1 = subBorrow(r1, 0, &k2)
            r2 = subBorrow(r2, 0, &k2)
            r3 = subBorrow(r3, 0, &k2)
            k = k2
        }
        return FieldElement(l0: r0, l1: r1, l2: r2, l3: r3)
    }

    @inline(__always)
    static prefix func - (a: FieldElement) -> FieldElement { .zero - a }

    /// Product scanning (Comba) into eight limbs, then reduction with 2^256 ≡ C.
    @inline(__always)
    static func * (a: FieldElement, b: FieldElement) -> FieldElement {
        var c0: UInt64 = 0, c1: UInt64 = 0, c2: UInt64 = 0
        mulAccumulate(a.l0, b.l0, &c0, &c1, &c2)
        let r0 = c0; c0 = c1; c1 = c2; c2 = 0
        mulAccumulate(a.l0, b.l1, &c0, &c1, &c2)
        mulAccumulate(a.l1, b.l0, &c0, &c1, &c2)
        let r1 = c0; c0 = c1; c1 = c2; c2 = 0
        mulAccumulate(a.l0, b.l2, &c0, &c1, &c2)
        mulAccumulate(a.l1, b.l1, &c0, &c1, &c2)
        mulAccumulate(a.l2, b.l0, &c0, &c1, &c2)
        let r2 = c0; c0 = c1; c1 = c2; c2 = 0
        mulAccumulate(a.l0, b.l3, &c0, &c1, &c2)
        mulAccumulate(a.l1, b.l2, &c0, &c1, &c2)
        mulAccumulate(a.l2, b.l1, &c0, &c1, &c2)
        mulAccumulate(a.l3, b.l0, &c0, &c1, &c2)
        let r3 = c0; c0 = c1; c1 = c2; c2 = 0
        mulAccumulate(a.l1, b.l3, &c0, &c1, &c2)
        mulAccumulate(a.l2, b.l2, &c0, &c1, &c2)
        mulAccumulate(a.l3, b.l1, &c0, &c1, &c2)
        let r4 = c0; c0 = c1; c1 = c2; c2 = 0
        mulAccumulate(a.l2, b.l3, &c0, &c1, &c2)
        mulAccumulate(a.l3, b.l2, &c0, &c1, &c2)
        let r5 = c0; c0 = c1; c1 = c2; c2 = 0
        mulAccumulate(a.l3, b.l3, &c0, &c1, &c2)
        let r6 = c0, r7 = c1
        return reduce(r0, r1, r2, r3, r4, r5, r6, r7)
    }

    /// Reduces a 512-bit value lo + hi·2^256 to below 2^256 using hi·2^256 ≡ hi·C.
    @inline(__always)
    static func reduce(
        _ r0: UInt64, _ r1: UInt64, _ r2: UInt64, _ r3: UInt64,
        _ r4: UInt64, _ r5: UInt64, _ r6: UInt64, _ r7: UInt64
    ) -> FieldElement {
        // lo + hi·C: each hi limb times C is below 2^97, so the running carry stays below 2^34.
        var carry: UInt64 = 0
        @inline(__always)
        func step(_ lo: UInt64, _ hi: UInt64, _ carry: inout UInt64) -> UInt64 {
            let (h, l) = hi.multipliedFullWidth(by: c)
            var k1: UInt64 = 0, k2: UInt64 = 0
            let s = addCarry(lo, l, &k1)
            let s2 = addCarry(s, carry, &k2)
            carry = h &+ k1 &+ k2
            return s2
        }
        var s0 = step(r0, r4, &carry)
        var s1 = step(r1, r5, &carry)
        var s2 = step(r2, r6, &carry)
        var s3 = step(r3, r7, &carry)
        // Fold the carry (below 2^34) once more: carry·C is below 2^67.
        let (h, l) = carry.multipliedFullWidth(by: c)
        var k: UInt64 = 0
        s0 = addCarry(s0, l, &k)
        s1 = addCarry(s1, h, &k)
        s2 = addCarry(s2, 0, &k)
        s3 = addCarry(s3, 0, &k)
        if k != 0 {
            // The wrapped value is tiny, so adding C once more cannot carry out of the top.
            var k2: UInt64 = 0
            s0 = addCarry(s0, c, &k2)
            s1 = addCarry(s1, 0, &k2)
            s2 = addCarry(s2, 0, &k2)
            s3 = addCarry(s3, 0, &k2)
        }
        return FieldElement(l0: s0, l1: s1, l2: s2, l3: s3)
    }

    /// Squaring: the Comba product with each cross term computed once and added twice.
    @inline(__always)
    func squared() -> FieldElement {
        var c0: UInt64 = 0, c1: UInt64 = 0, c2: UInt64 = 0
        mulAccumulate(l0, l0, &c0, &c1, &c2)
        let r0 = c0; c0 = c1; c1 = c2; c2 = 0
        mulAccumulateTwice(l0, l1, &c0, &c1, &c2)
        let r1 = c0; c0 = c1; c1 = c2; c2 = 0
        mulAccumulateTwice(l0, l2, &c0, &c1, &c2)
        mulAccumulate(l1, l1, &c0, &c1, &c2)
        let r2 = c0; c0 = c1; c1 = c2; c2 = 0
        mulAccumulateTwice(l0, l3, &c0, &c1, &c2)
        mulAccumulateTwice(l1, l2, &c0, &c1, &c2)
        let r3 = c0; c0 = c1; c1 = c2; c2 = 0
        mulAccumulateTwice(l1, l3, &c0, &c1, &c2)
        mulAccumulate(l2, l2, &c0, &c1, &c2)
        let r4 = c0; c0 = c1; c1 = c2; c2 = 0
        mulAccumulateTwice(l2, l3, &c0, &c1, &c2)
        let r5 = c0; c0 = c1; c1 = c2; c2 = 0
        mulAccumulate(l3, l3, &c0, &c1, &c2)
        let r6 = c0, r7 = c1
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
