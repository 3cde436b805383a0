/// The SwiftEC map for secp256k1 as BIP324 specifies it (XSwiftEC and XSwiftECInv), written from
/// the BIP's description. Public values only (see ``FieldElement``).
enum XSwiftEC {
    /// sqrt(-3) mod p: (-3)^((p+1)/4), the root BIP324's reference code uses (checked in tests).
    static let minus3Sqrt = FieldElement(
        l0: 0x7D8D_27AE_1CD5_F852, l1: 0xC61F_6D15_DA14_ECD4, l2: 0x2337_70C2_A797_962C, l3: 0x0A2D_2BA9_3507_F1DF)

    /// Whether n/d (d ≠ 0) is a valid x coordinate, without dividing:
    /// (n/d)^3 + 7 = (n^3 + 7d^3)/d^3 is a square exactly when (n^3 + 7d^3)·d is.
    @inline(__always)
    static func isValidX(numerator n: FieldElement, denominator d: FieldElement) -> Bool {
        let d2 = d.squared()
        let g = n.squared() * n + FieldElement.seven * d2 * d
        return (g * d).isSquare
    }

    /// XSwiftEC(u, t): the x coordinate that the pair (u, t) encodes. Total: every pair decodes.
    ///
    /// The BIP defines X = (u^3 + 7 - t^2) / (2t), Y = (X + t) / (sqrt(-3)·u) and tries, in order,
    /// x1 = u + 4Y^2, x2 = (-X/Y - u)/2, x3 = (X/Y - u)/2. Here the candidates are kept as
    /// fractions so that only the chosen one is divided out (one inversion instead of three).
    static func decode(u uIn: FieldElement, t tIn: FieldElement) -> FieldElement {
        let u = uIn.isZero ? FieldElement.one : uIn
        var t = tIn.isZero ? FieldElement.one : tIn
        let g = u.squared() * u + .seven
        if (g + t.squared()).isZero { t = t.doubled() }
        // X = xn / xd, Y = yn / yd.
        let xn = g - t.squared()
        let xd = t.doubled()
        let yn = xn + t * xd
        let yd = xd * minus3Sqrt * u
        // x1 = u + 4Y^2 = (u·yd^2 + 4·yn^2) / yd^2
        let yd2 = yd.squared()
        let n1 = u * yd2 + yn.squared().doubled().doubled()
        if isValidX(numerator: n1, denominator: yd2) { return n1 * yd2.inverse() }
        // X/Y = xn·yd / (xd·yn); x2 = (-X/Y - u)/2 and x3 = (X/Y - u)/2 share the denominator 2·xd·yn.
        // yn ≠ 0: yn = 0 would mean u^3 + t^2 + 7 = 0, which the doubling of t above excludes.
        let xdyn = xd * yn
        let xnyd = xn * yd
        let uxdyn = u * xdyn
        let d = xdyn.doubled()
        let n2 = -xnyd - uxdyn
        if isValidX(numerator: n2, denominator: d) { return n2 * d.inverse() }
        return (xnyd - uxdyn) * d.inverse()
    }

    /// XSwiftECInv(x, u, c): a t with XSwiftEC(u, t) = x for branch c in 0..<8, or nil when that
    /// branch has no solution. x must be a valid x coordinate.
    static func inverse(x: FieldElement, u: FieldElement, case branch: Int) -> FieldElement? {
        let v: FieldElement
        let w: FieldElement
        if branch & 2 == 0 {
            // x must not be decodable from the first candidate: -x - u must not be a valid x.
            if (-x - u).isValidX { return nil }
            v = x
            let denominator = u.squared() + u * v + v.squared()
            if denominator.isZero { return nil }
            // w = sqrt(s) with s = -(u^3 + 7) / (u^2 + uv + v^2), without a separate inversion.
            guard let root = FieldElement.squareRoot(numerator: -(u.squared() * u + .seven), denominator: denominator) else {
                return nil
            }
            w = root
        } else {
            let s = x - u
            if s.isZero { return nil }
            // sqrt(s) and 1/s from one exponentiation, checked before r (equally likely to fail).
            let (root, inverseS) = s.squareRootAndInverse()
            guard let root else { return nil }
            w = root
            let g = u.squared() * u + .seven
            guard let r = (-s * (g.doubled().doubled() + FieldElement(3) * s * u.squared())).squareRoot() else {
                return nil
            }
            if branch & 1 == 1 && r.isZero { return nil }
            v = (r * inverseS - u).halved()
        }
        // u·(1 ∓ sqrt(-3))/2 + v, with the sign of w chosen by bits 0 and 2 of the branch.
        switch branch & 5 {
        case 0: return -w * ((u * (FieldElement.one - minus3Sqrt)).halved() + v)
        case 1: return w * ((u * (FieldElement.one + minus3Sqrt)).halved() + v)
        case 4: return w * ((u * (FieldElement.one - minus3Sqrt)).halved() + v)
        default: return -w * ((u * (FieldElement.one + minus3Sqrt)).halved() + v)
        }
    }
}
