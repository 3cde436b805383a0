// SymmetricKey is an immutable value (copy-on-write secure bytes) but swift-crypto 3.12 does not
// mark it Sendable; the preconcurrency import accepts it in these Sendable structs.
@preconcurrency import Crypto
import _CryptoExtras

/// BIP324's FSChaCha20: one ChaCha20 keystream that continues across chunks, rekeyed every
/// ``rekeyInterval`` chunks. Encrypts the 3-byte length prefixes.
///
/// Nonce: 4 zero bytes || (chunk counter / 224) as 8 bytes little endian; the block counter
/// starts at 0 for each key. After the 224th chunk of a key, the next 32 keystream bytes become
/// the new key. 224 three-byte lengths plus the 32-byte key use exactly 11 ChaCha20 blocks, so
/// one keystream call per key serves every length of that epoch.
struct FSChaCha20: Sendable {
    static let rekeyInterval: UInt64 = 224
    private static let blocksPerEpoch = 11

    private var key: SymmetricKey
    private var keystream: [UInt8] = []
    private var offset = 0
    private var blockCounter: UInt32 = 0
    private var chunkCounter: UInt64 = 0

    /// - Throws: ``BIP324Error`` with `.invalidArgument` unless the key is 32 bytes.
    init(key: [UInt8]) throws(BIP324Error) {
        guard key.count == 32 else { throw BIP324Error(.invalidArgument("FSChaCha20 key must be 32 bytes")) }
        self.key = SymmetricKey(data: key)
    }

    /// Encrypts or decrypts one chunk (XOR with the keystream), then rekeys if due.
    mutating func crypt<C: Collection>(_ chunk: C) throws(BIP324Error) -> [UInt8] where C.Element == UInt8 {
        try ensureKeystream(chunk.count)
        var out = [UInt8](repeating: 0, count: chunk.count)
        var i = 0
        for byte in chunk {
            out[i] = byte ^ keystream[offset + i]
            i += 1
        }
        offset += chunk.count
        try finishChunk()
        return out
    }

    /// ``crypt(_:)`` for a 3-byte length prefix, without allocating.
    mutating func crypt3(_ b0: UInt8, _ b1: UInt8, _ b2: UInt8) throws(BIP324Error) -> (UInt8, UInt8, UInt8) {
        try ensureKeystream(3)
        let r = (b0 ^ keystream[offset], b1 ^ keystream[offset + 1], b2 ^ keystream[offset + 2])
        offset += 3
        try finishChunk()
        return r
    }

    /// Counts a chunk; after every 224th, the next 32 keystream bytes become the key.
    private mutating func finishChunk() throws(BIP324Error) {
        if (chunkCounter + 1) % Self.rekeyInterval == 0 {
            try ensureKeystream(32)
            key = SymmetricKey(data: keystream[offset..<offset + 32])
            keystream = []
            offset = 0
            blockCounter = 0
        }
        chunkCounter += 1
    }

    private mutating func ensureKeystream(_ count: Int) throws(BIP324Error) {
        let available = keystream.count - offset
        if available >= count { return }
        let blocks = max(Self.blocksPerEpoch, (count - available + 63) / 64)
        var nonce = [UInt8](repeating: 0, count: 12)
        let epoch = chunkCounter / Self.rekeyInterval
        for j in 0..<8 { nonce[4 + j] = UInt8(truncatingIfNeeded: epoch >> (8 * UInt64(j))) }
        do {
            let more = try Insecure.ChaCha20CTR.encrypt(
                [UInt8](repeating: 0, count: blocks * 64), using: key,
                counter: Insecure.ChaCha20CTR.Counter(offset: blockCounter),
                nonce: Insecure.ChaCha20CTR.Nonce(data: nonce))
            keystream = Array(keystream[offset...]) + Array(more)
        } catch {
            throw BIP324Error(.cryptoFailure("ChaCha20: \(error)"))
        }
        offset = 0
        blockCounter &+= UInt32(blocks)
    }
}
