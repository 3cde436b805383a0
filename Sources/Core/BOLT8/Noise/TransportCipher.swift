import Crypto
import Foundation

/// One direction of a BOLT 8 transport: key, nonce and chaining key, with rotation.
///
/// BOLT 8 ("Lightning Message Key Rotation"): a key is used for 1000 encryptions (500 messages,
/// each a length prefix and a body), then `ck', k' = HKDF(ck, k)` and the nonce restarts at 0.
/// Each direction keeps its own copy of the final handshake `ck`.
struct TransportCipher: Sendable {
    /// Nonces per key before rotation (BOLT 8: "after 1000 messages", counting nonces).
    static let rotationInterval: UInt64 = 1000

    private(set) var key: CipherKey
    private(set) var chainingKey: [UInt8]
    private(set) var nonce: UInt64 = 0
    /// Reused `nonce || ciphertext || tag` buffer for ``open(_:)``: uniquely owned again once
    /// each sealed box is gone, so it is written in place instead of reallocated per message.
    private var scratch = Data()

    init(key: [UInt8], chainingKey: [UInt8]) {
        self.key = CipherKey(key)
        self.chainingKey = chainingKey
    }

    /// The raw key bytes (for checking against the test vectors).
    var keyBytes: [UInt8] { key.bytes }

    /// Encrypts with the current nonce (empty associated data), appending ciphertext and tag.
    /// Sealing cannot fail with a 32-byte key and a 12-byte nonce, so there is no error path.
    mutating func seal<D: DataProtocol>(_ plaintext: D, appendingTo out: inout [UInt8]) {
        if let box = try? ChaChaPoly.seal(plaintext, using: key.key, nonce: NoiseNonce.make(nonce)) {
            // The box's combined storage is nonce || ciphertext || tag: append all but the nonce.
            box.combined.withUnsafeBytes { raw in
                out.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[12...]))
            }
        }
        advance()
    }

    /// Decrypts ciphertext-and-tag with the current nonce; nil (nonce unchanged) if the tag fails.
    ///
    /// Builds the sealed box's `nonce || ciphertext || tag` form with one bulk copy: handing
    /// swift-crypto an `ArraySlice` through `SealedBox(nonce:ciphertext:tag:)` copied it byte by
    /// byte, which cost more than the decryption for large packets.
    mutating func open(_ ciphertextAndTag: ArraySlice<UInt8>) -> Data? {
        guard ciphertextAndTag.count >= 16 else { return nil }
        scratch.count = 12 + ciphertextAndTag.count
        let n = nonce
        scratch.withUnsafeMutableBytes { raw in
            raw.storeBytes(of: 0, toByteOffset: 0, as: UInt32.self)
            raw.storeBytes(of: n.littleEndian, toByteOffset: 4, as: UInt64.self)
            ciphertextAndTag.withUnsafeBytes { source in
                UnsafeMutableRawBufferPointer(rebasing: raw[12...]).copyMemory(from: source)
            }
        }
        guard let box = try? ChaChaPoly.SealedBox(combined: scratch),
              let plain = try? ChaChaPoly.open(box, using: key.key)
        else { return nil }
        advance()
        return plain
    }

    private mutating func advance() {
        nonce += 1
        if nonce == Self.rotationInterval {
            let (newCK, newKey) = NoiseHKDF.split(salt: chainingKey, inputKeyMaterial: keyBytes)
            chainingKey = newCK
            key = CipherKey(newKey)
            nonce = 0
        }
    }
}
