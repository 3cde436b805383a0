import Crypto
import Foundation
import Secp256k1

/// Noise's handshake state for `Noise_XK_secp256k1_ChaChaPoly_SHA256`: the chaining key `ck` and
/// the handshake hash `h` (BOLT 8, "Handshake State").
struct SymmetricState: Sendable {
    /// The Noise protocol name BOLT 8 hashes into the initial state.
    static let protocolName = Array("Noise_XK_secp256k1_ChaChaPoly_SHA256".utf8)
    /// BOLT 8's prologue.
    static let prologue = Array("lightning".utf8)

    /// Chaining key: salt of every HKDF; the final one seeds both transport directions.
    private(set) var ck: [UInt8]
    /// Handshake hash: associated data of every handshake encryption.
    private(set) var h: [UInt8]

    /// `h = SHA256(protocolName)`, `ck = h`, `h = SHA256(h || prologue)`, `h = SHA256(h || rs.pub)`,
    /// where `rs` is the responder's static key (both sides know it in XK).
    init(responderStatic: PublicKey) {
        let h0 = Array(SHA256.hash(data: Self.protocolName))
        ck = h0
        h = h0
        mixHash(Self.prologue)
        mixHash(responderStatic.serialized())
    }

    /// `h = SHA256(h || data)`.
    mutating func mixHash(_ data: [UInt8]) {
        var hasher = SHA256()
        hasher.update(data: h)
        hasher.update(data: data)
        h = Array(hasher.finalize())
    }

    /// `ck, temp_k = HKDF(ck, ss)`; returns `temp_k`.
    mutating func mixKey(_ sharedSecret: [UInt8]) -> SymmetricKey {
        let (newCK, tempK) = NoiseHKDF.split(salt: ck, inputKeyMaterial: sharedSecret)
        ck = newCK
        return SymmetricKey(data: tempK)
    }

    /// `encryptWithAD(k, nonce, h, plaintext)`: ciphertext followed by the 16-byte tag.
    func encrypt(_ plaintext: [UInt8], key: SymmetricKey, nonce: UInt64) -> [UInt8] {
        // Sealing with a valid 32-byte key and 12-byte nonce cannot fail.
        guard let box = try? ChaChaPoly.seal(
            plaintext, using: key, nonce: NoiseNonce.make(nonce), authenticating: h)
        else { return [] }
        return Array(box.ciphertext) + Array(box.tag)
    }

    /// `decryptWithAD(k, nonce, h, ciphertext)`; nil if the tag does not verify.
    func decrypt(_ ciphertextAndTag: ArraySlice<UInt8>, key: SymmetricKey, nonce: UInt64) -> [UInt8]? {
        guard ciphertextAndTag.count >= 16 else { return nil }
        let split = ciphertextAndTag.endIndex - 16
        guard let box = try? ChaChaPoly.SealedBox(
                nonce: NoiseNonce.make(nonce),
                ciphertext: ciphertextAndTag[..<split], tag: ciphertextAndTag[split...]),
              let plain = try? ChaChaPoly.open(box, using: key, authenticating: h)
        else { return nil }
        return Array(plain)
    }
}

/// BOLT 8's HKDF: RFC 5869 HKDF-SHA256 with a zero-length `info`, 64 bytes out, split in two.
enum NoiseHKDF {
    /// - Returns: the first and second 32 bytes of `HKDF(salt, ikm)`.
    static func split(salt: [UInt8], inputKeyMaterial ikm: [UInt8]) -> ([UInt8], [UInt8]) {
        let okm = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: ikm), salt: salt, info: [UInt8](), outputByteCount: 64)
        let bytes = okm.withUnsafeBytes { Array($0) }
        return (Array(bytes[0..<32]), Array(bytes[32..<64]))
    }
}

/// Noise's ChaChaPoly nonce: 32 zero bits then the 64-bit counter, little endian.
enum NoiseNonce {
    @inline(__always)
    static func make(_ n: UInt64) -> ChaChaPoly.Nonce {
        withUnsafeTemporaryAllocation(byteCount: 12, alignment: 8) { buffer in
            buffer.storeBytes(of: 0, toByteOffset: 0, as: UInt32.self)
            buffer.storeBytes(of: n.littleEndian, toByteOffset: 4, as: UInt64.self)
            // Twelve bytes are always a valid nonce, so the fallback is unreachable; it would
            // only make the peer reject the packet, never weaken it.
            return (try? ChaChaPoly.Nonce(data: UnsafeRawBufferPointer(buffer))) ?? ChaChaPoly.Nonce()
        }
    }
}
