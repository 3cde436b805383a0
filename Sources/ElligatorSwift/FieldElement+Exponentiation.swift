/// Exponentiation-based operations: inverse (Fermat), square root and quadratic residuosity.
/// p ≡ 3 (mod 4), so a square root of a square a is a^((p+1)/4).
extension FieldElement {
    /// Exponents, as four little-endian limbs (derivations beside each).
    enum Exponent {
        /// p - 2 (Fermat inverse: a^(p-2) = 1/a).
        static let pMinus2: (UInt64, UInt64, UInt64, UInt64) =
            (0xFFFF_FFFE_FFFF_FC2D, 0xFFFF_FFFF_FFFF_FFFF, 0xFFFF_FFFF_FFFF_FFFF, 0xFFFF_FFFF_FFFF_FFFF)
        /// (p + 1) / 4 (square root candidate).
        static let sqrt: (UInt64, UInt64, UInt64, UInt64) =
            (0xFFFF_FFFF_BFFF_FF0C, 0xFFFF_FFFF_FFFF_FFFF, 0xFFFF_FFFF_FFFF_FFFF, 0x3FFF_FFFF_FFFF_FFFF)
    }

    /// self^e by a fixed 4-bit window, most significant nibble first.
    func power(_ e: (UInt64, UInt64, UInt64, UInt64)) -> FieldElement {
        // table[i] = self^i for i in 0..<16.
        var table = [FieldElement](repeating: .one, count: 16)
        table[1] = self
        for i in 2..<16 { table[i] = table[i - 1] * self }
        var result = FieldElement.one
        var started = false
        for limb in [e.3, e.2, e.1, e.0] {
            var shift: UInt64 = 60
            while true {
                if started {
                    result = result.squared().squared().squared().squared()
                }
                let nibble = Int((limb >> shift) & 0xF)
                if nibble != 0 {
                    result = started ? result * table[nibble] : table[nibble]
                    started = true
                }
                if shift == 0 { break }
                shift -= 4
            }
        }
        return result
    }

    /// 1/self (0 maps to 0).
    func inverse() -> FieldElement { power(Exponent.pMinus2) }

    /// The square root a^((p+1)/4) if self is a square, else nil. This root is itself a square,
    /// the same choice BIP324's reference code makes (its vectors depend on it).
    func squareRoot() -> FieldElement? {
        let r = power(Exponent.sqrt)
        return r.squared() == self ? r : nil
    }

    /// Whether self is a square (zero counts as one).
    var isSquare: Bool { squareRoot() != nil }

    /// Whether x = self is the x coordinate of a curve point: x^3 + 7 is a square.
    var isValidX: Bool { (squared() * self + .seven).isSquare }
}
