import CSecp256k1

/// A secp256k1 secret scalar (32 bytes, big endian, 0 < k < n).
///
/// The secret lives in this value only; the code that uses it (ECDH, signing, public key
/// derivation) runs inside libsecp256k1, which is constant time for secret data.
public struct PrivateKey: Sendable {
    /// The raw 32 secret bytes. Handle with care: do not log, serialise or send.
    public let rawRepresentation: [UInt8]

    /// - Throws: ``Secp256k1Error/invalidPrivateKey`` unless 32 bytes with 0 < k < n.
    public init<C: Collection>(rawRepresentation bytes: C) throws(Secp256k1Error) where C.Element == UInt8 {
        let raw = Array(bytes)
        guard raw.count == 32, secp256k1_ec_seckey_verify(Context.pointer, raw) == 1 else {
            throw .invalidPrivateKey
        }
        rawRepresentation = raw
    }

    /// A fresh random key from the given generator (the system's by default).
    public init<R: RandomNumberGenerator>(using rng: inout R) {
        while true {
            var raw = [UInt8](repeating: 0, count: 32)
            for i in raw.indices { raw[i] = rng.next() }
            if let key = try? PrivateKey(rawRepresentation: raw) {
                self = key
                return
            }
        }
    }

    /// A fresh key from the system's secure random generator.
    public init() {
        var rng = SystemRandomNumberGenerator()
        self.init(using: &rng)
    }

    /// The matching public key.
    public var publicKey: PublicKey {
        var pk = secp256k1_pubkey()
        // Cannot fail: the scalar was verified on construction.
        _ = secp256k1_ec_pubkey_create(Context.pointer, &pk, rawRepresentation)
        return PublicKey(raw: pk)
    }

    /// This key plus `tweak` (mod n).
    /// - Throws: ``Secp256k1Error/invalidTweak`` if the tweak is out of range or the result is zero.
    public func tweakedAdd(_ tweak: [UInt8]) throws(Secp256k1Error) -> PrivateKey {
        guard tweak.count == 32 else { throw .invalidTweak }
        var k = rawRepresentation
        guard secp256k1_ec_seckey_tweak_add(Context.pointer, &k, tweak) == 1 else { throw .invalidTweak }
        return try PrivateKey(rawRepresentation: k)
    }

    /// This key times `tweak` (mod n).
    public func tweakedMultiply(_ tweak: [UInt8]) throws(Secp256k1Error) -> PrivateKey {
        guard tweak.count == 32 else { throw .invalidTweak }
        var k = rawRepresentation
        guard secp256k1_ec_seckey_tweak_mul(Context.pointer, &k, tweak) == 1 else { throw .invalidTweak }
        return try PrivateKey(rawRepresentation: k)
    }
}
