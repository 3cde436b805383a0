// SymmetricKey is an immutable value (copy-on-write secure bytes) but swift-crypto 3.12 does not
// mark it Sendable; the preconcurrency import accepts it in these Sendable structs.
@preconcurrency import Crypto
import Foundation

/// BIP324's FSChaCha20Poly1305: RFC 8439 ChaCha20-Poly1305 with a packet-counter nonce, rekeyed
/// every ``rekeyInterval`` packets. Encrypts packet headers and contents.
///
/// Nonce for packet n: (n mod 224) as 4 bytes LE || (n / 224) as 8 bytes LE. After packet
/// n with (n + 1) mod 224 = 0 the key becomes the first 32 bytes of the encryption of 32 zero
/// bytes under nonce 0xFFFFFFFF || (n / 224) as 8 bytes LE (tag dropped).
struct FSChaCha20Poly1305: Sendable {
    static let rekeyInterval: UInt64 = 224
    static let tagSize = 16
    /// Bytes of the nonce in front of swift-crypto's combined `nonce || ciphertext || tag`.
    static let nonceRoom = 12

    private var key: SymmetricKey
    private var packetCounter: UInt64 = 0

    /// - Throws: `.invalidArgument` unless the key is 32 bytes.
    init(key: [UInt8]) throws(BIP324Error) {
        guard key.count == 32 else { throw BIP324Error(.invalidArgument("FSChaCha20Poly1305 key must be 32 bytes")) }
        self.key = SymmetricKey(data: key)
    }

    /// The 12 nonce bytes (LE low (4) || epoch (8)) in two words on the stack, lent to `body`.
    private func withNonceBytes<R>(low: UInt32, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let epoch = packetCounter / Self.rekeyInterval
        let words = ((UInt64(low) | epoch << 32).littleEndian, (epoch >> 32).littleEndian)
        return try withUnsafeBytes(of: words) { try body(UnsafeRawBufferPointer(rebasing: $0[0..<12])) }
    }

    private func nonce(low: UInt32) throws(BIP324Error) -> ChaChaPoly.Nonce {
        do {
            return try withNonceBytes(low: low) { try ChaChaPoly.Nonce(data: $0) }
        } catch {
            throw BIP324Error(.cryptoFailure("nonce: \(error)"))
        }
    }

    /// Seals one packet's plaintext.
    /// - Parameters:
    ///   - plaintext: header byte and contents, contiguous.
    ///   - aad: associated data.
    /// - Returns: swift-crypto's combined form, `nonce (12) || ciphertext || tag (16)`, held by
    ///   nobody else: the caller may write into its ``nonceRoom`` leading bytes without a copy
    ///   (the transport puts the encrypted length there, so the packet needs no second buffer).
    /// - Throws: `.cryptoFailure`.
    mutating func seal(_ plaintext: UnsafeRawBufferPointer, aad: [UInt8]) throws(BIP324Error) -> Data {
        let combined = try Self.combined(plaintext, key: key, nonce: nonce(low: UInt32(packetCounter % Self.rekeyInterval)), aad: aad)
        guard combined.count == Self.nonceRoom + plaintext.count + Self.tagSize else {
            throw BIP324Error(.cryptoFailure("seal: unexpected output size"))
        }
        try advance()
        return combined
    }

    /// The sealed box's bytes, returned from a function of their own so that the box is gone
    /// by the time the caller holds them: the Data is then uniquely referenced and writable in place.
    @inline(never)
    private static func combined(
        _ plaintext: UnsafeRawBufferPointer, key: SymmetricKey, nonce: ChaChaPoly.Nonce, aad: [UInt8]
    ) throws(BIP324Error) -> Data {
        do {
            // Without AAD (every packet but the first) the simpler overload skips generic AAD handling.
            let box = aad.isEmpty
                ? try ChaChaPoly.seal(plaintext, using: key, nonce: nonce)
                : try ChaChaPoly.seal(plaintext, using: key, nonce: nonce, authenticating: aad)
            return box.combined
        } catch {
            throw BIP324Error(.cryptoFailure("seal: \(error)"))
        }
    }

    /// Opens one packet where it lies: `buffer` is ``nonceRoom`` spare bytes followed by
    /// ciphertext || tag. The nonce is written into the spare bytes, so that swift-crypto reads
    /// nonce || ciphertext || tag from one buffer. `SealedBox(combined:)` copies it once (it
    /// copies even a `Data`; `init(nonce:ciphertext:tag:)` costs three times as much).
    /// - Parameters:
    ///   - buffer: spare bytes (overwritten) then the sealed bytes; must outlive the call only.
    ///   - aad: associated data.
    /// - Returns: the plaintext.
    /// - Throws: `.packetAuthenticationFailed` if the tag does not verify or the buffer is short
    ///   (the counter still advances, as in the reference; the transport treats the failure as
    ///   fatal anyway).
    mutating func open(inPlace buffer: UnsafeMutableRawBufferPointer, aad: [UInt8]) throws(BIP324Error) -> Data {
        defer { try? advance() }
        guard buffer.count >= Self.nonceRoom + Self.tagSize else { throw BIP324Error(.packetAuthenticationFailed) }
        withNonceBytes(low: UInt32(packetCounter % Self.rekeyInterval)) { nonce in
            UnsafeMutableRawBufferPointer(rebasing: buffer[0..<Self.nonceRoom]).copyMemory(from: nonce)
        }
        do {
            let box = try ChaChaPoly.SealedBox(combined: UnsafeRawBufferPointer(buffer))
            return aad.isEmpty ? try ChaChaPoly.open(box, using: key) : try ChaChaPoly.open(box, using: key, authenticating: aad)
        } catch {
            throw BIP324Error(.packetAuthenticationFailed)
        }
    }

    private mutating func advance() throws(BIP324Error) {
        if (packetCounter + 1) % Self.rekeyInterval == 0 {
            let n = try nonce(low: 0xFFFF_FFFF)
            do {
                let box = try ChaChaPoly.seal([UInt8](repeating: 0, count: 32), using: key, nonce: n)
                key = SymmetricKey(data: box.ciphertext)
            } catch {
                throw BIP324Error(.cryptoFailure("rekey: \(error)"))
            }
        }
        packetCounter += 1
    }
}
