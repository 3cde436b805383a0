/// Exponentiation-based operations: inverse (Fermat), square root and quadratic residuosity.
/// p ≡ 3 (mod 4), so a square root of a square a is a^((p+1)/4).
///
/// Both exponents share p's shape, 223 ones, a zero, 22 ones and then a short tail, so both use
/// one addition chain over the blocks x_k = a^(2^k - 1) (k = 2, 3, 6, 9, 11, 22, 44, 88, 176,
/// 220, 223): 255 squarings and 15 or 13 multiplications. Derivation, checked in Python:
///   p - 2       = ((((2^223-1)·2^23 + (2^22-1))·2^5 + 1)·2^3 + 3)·2^2 + 1
///   (p + 1) / 4 = (((2^223-1)·2^23 + (2^22-1))·2^6 + 3)·2^2
extension FieldElement {
    @inline(__always)
    func squared(times n: Int) -> FieldElement {
        var r = self
        for _ in 0..<n { r = r.squared() }
        return r
    }

    /// (a^(2^223 - 1))^(2^23) · a^(2^22 - 1), and a^(2^2 - 1) for the tails.
    private func commonPrefix() -> (prefix: FieldElement, x2: FieldElement) {
        let x2 = squared() * self
        let x3 = x2.squared() * self
        let x6 = x3.squared(times: 3) * x3
        let x9 = x6.squared(times: 3) * x3
        let x11 = x9.squared(times: 2) * x2
        let x22 = x11.squared(times: 11) * x11
        let x44 = x22.squared(times: 22) * x22
        let x88 = x44.squared(times: 44) * x44
        let x176 = x88.squared(times: 88) * x88
        let x220 = x176.squared(times: 44) * x44
        let x223 = x220.squared(times: 3) * x3
        return (x223.squared(times: 23) * x22, x2)
    }

    /// 1/self (0 maps to 0), as self^(p-2).
    func inverse() -> FieldElement {
        let (t, x2) = commonPrefix()
        return ((t.squared(times: 5) * self).squared(times: 3) * x2).squared(times: 2) * self
    }

    /// self^((p-3)/4): with e = (p-3)/4, a^(e+1) is the square root candidate and a^(4e+1) = a^(p-2)
    /// the inverse, so one exponentiation serves both (and square roots of quotients).
    ///   (p - 3) / 4 = (((2^223-1)·2^23 + (2^22-1))·2^5 + 1)·2^3 + 3
    func powerPMinus3Over4() -> FieldElement {
        let (t, x2) = commonPrefix()
        return (t.squared(times: 5) * self).squared(times: 3) * x2
    }

    /// The square root a^((p+1)/4) if self is a square, else nil. This root is itself a square,
    /// the same choice BIP324's reference code makes (its vectors depend on it).
    func squareRoot() -> FieldElement? {
        let r = self * powerPMinus3Over4()
        return r.squared() == self ? r : nil
    }

    /// sqrt(self) (the same root as ``squareRoot()``) and 1/self from one exponentiation.
    func squareRootAndInverse() -> (root: FieldElement?, inverse: FieldElement) {
        let t = powerPMinus3Over4()
        let r = self * t
        return (r.squared() == self ? r : nil, self * t.squared().squared())
    }

    /// sqrt(n/d) for d ≠ 0, the root (n/d)^((p+1)/4) that ``squareRoot()`` would give for the
    /// quotient, without dividing: (n/d)^(e+1) = n·d·(n·d^3)^e since d^(p-1) = 1.
    static func squareRoot(numerator n: FieldElement, denominator d: FieldElement) -> FieldElement? {
        let nd = n * d
        let r = nd * (nd * d.squared()).powerPMinus3Over4()
        return r.squared() * d == n ? r : nil
    }

    /// Whether self is a square (zero counts as one).
    var isSquare: Bool { squareRoot() != nil }

    /// Whether x = self is the x coordinate of a curve point: x^3 + 7 is a square.
    var isValidX: Bool { (squared() * self + .seven).isSquare }
}
