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

    /// Seals one packet's plaintext and appends ciphertext || tag to `out`.
    mutating func seal<P: DataProtocol>(_ plaintext: P, aad: [UInt8], appendingTo out: inout [UInt8]) throws(BIP324Error) {
        let n = try nonce(low: UInt32(packetCounter % Self.rekeyInterval))
        do {
            // Without AAD (every packet but the first) the simpler overload skips generic AAD handling.
            let box = aad.isEmpty
                ? try ChaChaPoly.seal(plaintext, using: key, nonce: n)
                : try ChaChaPoly.seal(plaintext, using: key, nonce: n, authenticating: aad)
            // Through raw buffers: appending Data element by element costs ~5 ns per byte.
            box.ciphertext.withUnsafeBytes { out.append(contentsOf: $0.bindMemory(to: UInt8.self)) }
            box.tag.withUnsafeBytes { out.append(contentsOf: $0.bindMemory(to: UInt8.self)) }
        } catch {
            throw BIP324Error(.cryptoFailure("seal: \(error)"))
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
