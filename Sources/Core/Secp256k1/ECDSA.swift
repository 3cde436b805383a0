import CSecp256k1

/// An ECDSA signature (low-S normalised when produced here).
public struct ECDSASignature: Sendable, Equatable {
    let raw: secp256k1_ecdsa_signature

    init(raw: secp256k1_ecdsa_signature) { self.raw = raw }

    /// Parses 64-byte compact form (r || s).
    public init(compact bytes: [UInt8]) throws(Secp256k1Error) {
        guard bytes.count == 64 else { throw .invalidSignature }
        var sig = secp256k1_ecdsa_signature()
        guard secp256k1_ecdsa_signature_parse_compact(Context.pointer, &sig, bytes) == 1 else { throw .invalidSignature }
        raw = sig
    }

    /// Parses strict DER.
    public init(der bytes: [UInt8]) throws(Secp256k1Error) {
        var sig = secp256k1_ecdsa_signature()
        guard !bytes.isEmpty,
              secp256k1_ecdsa_signature_parse_der(Context.pointer, &sig, bytes, bytes.count) == 1
        else { throw .invalidSignature }
        raw = sig
    }

    /// 64-byte compact form.
    public var compact: [UInt8] {
        var out = [UInt8](repeating: 0, count: 64)
        var sig = raw
        _ = secp256k1_ecdsa_signature_serialize_compact(Context.pointer, &out, &sig)
        return out
    }

    /// DER form (at most 72 bytes).
    public var der: [UInt8] {
        var out = [UInt8](repeating: 0, count: 72)
        var len = out.count
        var sig = raw
        _ = secp256k1_ecdsa_signature_serialize_der(Context.pointer, &out, &len, &sig)
        return Array(out[0..<len])
    }

    public static func == (a: ECDSASignature, b: ECDSASignature) -> Bool { a.compact == b.compact }
}

extension PrivateKey {
    /// Signs a 32-byte message hash (RFC 6979 nonce, low-S).
    /// - Throws: ``Secp256k1Error/invalidSignature`` if the digest is not 32 bytes.
    public func signECDSA(digest: [UInt8]) throws(Secp256k1Error) -> ECDSASignature {
        guard digest.count == 32 else { throw .invalidSignature }
        var sig = secp256k1_ecdsa_signature()
        guard secp256k1_ecdsa_sign(Context.pointer, &sig, digest, rawRepresentation, nil, nil) == 1 else {
            throw .invalidSignature
        }
        return ECDSASignature(raw: sig)
    }
}

extension PublicKey {
    /// Verifies a low-S ECDSA signature over a 32-byte hash. High-S signatures are rejected,
    /// as libsecp256k1 (and Bitcoin's standardness rules) do.
    public func isValidECDSA(_ signature: ECDSASignature, digest: [UInt8]) -> Bool {
        guard digest.count == 32 else { return false }
        var sig = signature.raw
        var pk = raw
        return secp256k1_ecdsa_verify(Context.pointer, &sig, digest, &pk) == 1
    }
}
