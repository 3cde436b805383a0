import Crypto
import CSecp256k1

/// Elliptic-curve Diffie-Hellman on secp256k1, computed inside libsecp256k1.
///
/// libsecp256k1's `secp256k1_ecdh` takes a hash callback; ours copies the shared point's affine
/// coordinates out unchanged, and the protocol-specific hashing is done here in Swift:
/// - BOLT 8: SHA256 of the compressed shared point (``sha256Compressed(privateKey:publicKey:)``);
/// - BIP324: the x coordinate only, hashed with both ElligatorSwift encodings by the caller
///   (``xOnly(privateKey:publicKey:)``).
public enum ECDH {
    /// The shared point k·P as affine coordinates (32 bytes each, big endian).
    /// - Throws: ``Secp256k1Error/ecdhFailed`` if libsecp256k1 refuses.
    public static func sharedPoint(privateKey: PrivateKey, publicKey: PublicKey) throws(Secp256k1Error) -> (x: [UInt8], y: [UInt8]) {
        var out = [UInt8](repeating: 0, count: 64)
        var pk = publicKey.raw
        // A closure that captures nothing converts to the C function pointer type.
        let copyXY: secp256k1_ecdh_hash_function = { output, x32, y32, _ in
            guard let output, let x32, let y32 else { return 0 }
            output.update(from: x32, count: 32)
            (output + 32).update(from: y32, count: 32)
            return 1
        }
        let ok = secp256k1_ecdh(Context.pointer, &out, &pk, privateKey.rawRepresentation, copyXY, nil)
        guard ok == 1 else { throw .ecdhFailed }
        return (Array(out[0..<32]), Array(out[32..<64]))
    }

    /// BOLT 8's ECDH: SHA256 of the 33-byte compressed shared point.
    public static func sha256Compressed(privateKey: PrivateKey, publicKey: PublicKey) throws(Secp256k1Error) -> [UInt8] {
        let (x, y) = try sharedPoint(privateKey: privateKey, publicKey: publicKey)
        let prefix: UInt8 = (y[31] & 1) == 1 ? 0x03 : 0x02
        return Array(SHA256.hash(data: [prefix] + x))
    }

    /// The x coordinate of the shared point (BIP324's x-only ECDH input).
    public static func xOnly(privateKey: PrivateKey, publicKey: PublicKey) throws(Secp256k1Error) -> [UInt8] {
        try sharedPoint(privateKey: privateKey, publicKey: publicKey).x
    }
}
