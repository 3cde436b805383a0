/// Errors from key parsing, ECDH and signing. Peer-supplied keys that are invalid surface here,
/// never as a trap.
public enum Secp256k1Error: Error, Equatable, Sendable, CustomStringConvertible {
    /// A private key that is zero or not below the curve order, or of the wrong length.
    case invalidPrivateKey
    /// Bytes that do not encode a point on the curve.
    case invalidPublicKey
    /// A signature that could not be parsed.
    case invalidSignature
    /// A tweak that is out of range or produced the point at infinity.
    case invalidTweak
    /// ECDH failed (the result would be the point at infinity).
    case ecdhFailed

    public var description: String {
        switch self {
        case .invalidPrivateKey: return "invalid secp256k1 private key"
        case .invalidPublicKey: return "invalid secp256k1 public key"
        case .invalidSignature: return "invalid ECDSA signature encoding"
        case .invalidTweak: return "invalid key tweak"
        case .ecdhFailed: return "ECDH failed"
        }
    }
}
