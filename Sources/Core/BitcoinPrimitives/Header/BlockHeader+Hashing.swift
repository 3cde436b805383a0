import Crypto

/// Allocation-free serialisation, parsing and hashing of headers: the hot path of header sync.
extension BlockHeader {
    /// Calls `body` with the 80 serialised bytes in a stack buffer.
    /// - Parameter body: reads the bytes; they are valid only during the call.
    /// - Returns: what `body` returns.
    @inlinable
    public func withSerializedBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        // The 80 bytes as ten little-endian 64-bit words. Every field after the 4-byte version
        // starts 4 bytes into a word, so each word joins the top half of one value with the
        // bottom half of the next: plain shifts, no byte-by-byte stores.
        let p = previousBlockHash.hash.words
        let m = merkleRoot.words
        var storage: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (
            (UInt64(UInt32(bitPattern: version)) | p.0 << 32).littleEndian,
            (p.0 >> 32 | p.1 << 32).littleEndian,
            (p.1 >> 32 | p.2 << 32).littleEndian,
            (p.2 >> 32 | p.3 << 32).littleEndian,
            (p.3 >> 32 | m.0 << 32).littleEndian,
            (m.0 >> 32 | m.1 << 32).littleEndian,
            (m.1 >> 32 | m.2 << 32).littleEndian,
            (m.2 >> 32 | m.3 << 32).littleEndian,
            (m.3 >> 32 | UInt64(time) << 32).littleEndian,
            (UInt64(bits) | UInt64(nonce) << 32).littleEndian)
        return try withUnsafeBytes(of: &storage) { try body($0) }
    }

    /// Parses a header from the first 80 bytes of a buffer without allocating.
    /// - Parameter raw: at least 80 bytes.
    /// - Throws: ``DecodingError`` if fewer than 80 bytes are given.
    @inlinable
    public init(unsafeRawBytes raw: UnsafeRawBufferPointer) throws(DecodingError) {
        guard raw.count >= BlockHeader.size else {
            throw DecodingError(.truncated(needed: BlockHeader.size, available: raw.count), at: 0)
        }
        func u32(_ o: Int) -> UInt32 { UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: o, as: UInt32.self)) }
        func u64(_ o: Int) -> UInt64 { UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: o, as: UInt64.self)) }
        self.init(
            version: Int32(bitPattern: u32(0)),
            previousBlockHash: BlockHash(Hash256(words: (u64(4), u64(12), u64(20), u64(28)))),
            merkleRoot: Hash256(words: (u64(36), u64(44), u64(52), u64(60))),
            time: u32(68), bits: u32(72), nonce: u32(76))
    }
}

extension Hash256 {
    /// Double SHA-256 of raw bytes with no intermediate arrays.
    /// - Parameter bytes: the input.
    /// - Returns: the digest in internal order.
    @inlinable
    public static func sha256d(raw bytes: UnsafeRawBufferPointer) -> Hash256 {
        var h1 = SHA256()
        h1.update(bufferPointer: bytes)
        let first = h1.finalize()
        var h2 = SHA256()
        first.withUnsafeBytes { h2.update(bufferPointer: $0) }
        return h2.finalize().withUnsafeBytes { d in
            Hash256(words: (
                UInt64(littleEndian: d.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
                UInt64(littleEndian: d.loadUnaligned(fromByteOffset: 8, as: UInt64.self)),
                UInt64(littleEndian: d.loadUnaligned(fromByteOffset: 16, as: UInt64.self)),
                UInt64(littleEndian: d.loadUnaligned(fromByteOffset: 24, as: UInt64.self))))
        }
    }
}
