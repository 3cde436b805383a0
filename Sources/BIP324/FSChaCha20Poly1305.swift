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

    private var key: SymmetricKey
    private var packetCounter: UInt64 = 0
    /// Reused nonce || ciphertext || tag buffer for ``open(_:aad:)`` (unique again once the
    /// SealedBox that borrowed it is gone, so its capacity carries over between packets).
    private var openBuffer = Data()

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

    /// Seals `buffer[start...]` where it lies: the plaintext there is replaced by its
    /// ciphertext and the tag is appended (no separate plaintext or output array).
    /// - Throws: `.cryptoFailure`; `buffer` is then left as it was.
    mutating func seal(inPlace buffer: inout [UInt8], from start: Int, aad: [UInt8]) throws(BIP324Error) {
        let n = try nonce(low: UInt32(packetCounter % Self.rekeyInterval))
        let box: ChaChaPoly.SealedBox
        do {
            box = try buffer.withUnsafeBytes { raw in
                let plaintext = UnsafeRawBufferPointer(rebasing: raw[start...])
                // Without AAD (every packet but the first) the simpler overload skips generic AAD handling.
                return aad.isEmpty
                    ? try ChaChaPoly.seal(plaintext, using: key, nonce: n)
                    : try ChaChaPoly.seal(plaintext, using: key, nonce: n, authenticating: aad)
            }
        } catch {
            throw BIP324Error(.cryptoFailure("seal: \(error)"))
        }
        let length = buffer.count - start, nonceSize = Self.nonceRoom
        // combined = nonce (12) || ciphertext (as long as the plaintext) || tag (16).
        guard box.combined.count == nonceSize + length + Self.tagSize else {
            throw BIP324Error(.cryptoFailure("seal: unexpected output size"))
        }
        box.combined.withUnsafeBytes { combined in
            buffer.withUnsafeMutableBytes { out in
                UnsafeMutableRawBufferPointer(rebasing: out[start...])
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: combined[nonceSize..<nonceSize + length]))
            }
            buffer.append(contentsOf: combined[(nonceSize + length)...])
        }
        try advance()
    }

    /// Opens one packet (ciphertext || tag) and returns its plaintext.
    /// - Throws: `.packetAuthenticationFailed` if the tag does not verify (the counter still
    ///   advances, as in the reference; the transport treats the failure as fatal anyway).
    mutating func open(_ sealed: ArraySlice<UInt8>, aad: [UInt8]) throws(BIP324Error) -> Data {
        defer { try? advance() }
        guard sealed.count >= Self.tagSize else { throw BIP324Error(.packetAuthenticationFailed) }
        // nonce || ciphertext || tag in one buffer: SealedBox(nonce:ciphertext:tag:) grows a fresh
        // Data three times, which cost more than the decryption for small packets.
        openBuffer.removeAll(keepingCapacity: openBuffer.count <= 1 << 22)
        openBuffer.reserveCapacity(12 + sealed.count)
        withNonceBytes(low: UInt32(packetCounter % Self.rekeyInterval)) { openBuffer.append(contentsOf: $0) }
        sealed.withUnsafeBytes { openBuffer.append(contentsOf: $0) }
        do {
            let box = try ChaChaPoly.SealedBox(combined: openBuffer)
            return aad.isEmpty ? try ChaChaPoly.open(box, using: key) : try ChaChaPoly.open(box, using: key, authenticating: aad)
        } catch {
            throw BIP324Error(.packetAuthenticationFailed)
        }
    }

    /// Bytes ``open(inPlace:aad:)`` needs in front of the sealed bytes for the nonce.
    static let nonceRoom = 12

    /// Opens one packet where it lies: `buffer` is ``nonceRoom`` spare bytes followed by
    /// ciphertext || tag. The nonce is written into the spare bytes, so swift-crypto reads
    /// nonce || ciphertext || tag straight from the caller's buffer (no copy of the packet).
    /// - Parameters:
    ///   - buffer: spare bytes (overwritten) then the sealed bytes; must outlive the call only.
    ///   - aad: associated data.
    /// - Returns: the plaintext.
    /// - Throws: `.packetAuthenticationFailed` if the tag does not verify or the buffer is short
    ///   (the counter still advances, as in ``open(_:aad:)``).
    mutating func open(inPlace buffer: UnsafeMutableRawBufferPointer, aad: [UInt8]) throws(BIP324Error) -> Data {
        defer { try? advance() }
        guard buffer.count >= Self.nonceRoom + Self.tagSize, let base = buffer.baseAddress else {
            throw BIP324Error(.packetAuthenticationFailed)
        }
        withNonceBytes(low: UInt32(packetCounter % Self.rekeyInterval)) { nonce in
            UnsafeMutableRawBufferPointer(rebasing: buffer[0..<Self.nonceRoom]).copyMemory(from: nonce)
        }
        do {
            // Borrowed, never freed by Data; the box and this Data do not outlive the call.
            let combined = Data(bytesNoCopy: base, count: buffer.count, deallocator: .none)
            let box = try ChaChaPoly.SealedBox(combined: combined)
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
