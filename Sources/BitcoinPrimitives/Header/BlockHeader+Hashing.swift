import Crypto

/// Allocation-free serialisation, parsing and hashing of headers: the hot path of header sync.
extension BlockHeader {
    /// Calls `body` with the 80 serialised bytes in a stack buffer.
    /// - Parameter body: reads the bytes; they are valid only during the call.
    /// - Returns: what `body` returns.
    @inlinable
    public func withSerializedBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        var storage: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        return try withUnsafeMutableBytes(of: &storage) { p in
            p.storeBytes(of: UInt32(bitPattern: version).littleEndian, toByteOffset: 0, as: UInt32.self)
            let prev = previousBlockHash.hash.words
            p.storeBytes(of: prev.0.littleEndian, toByteOffset: 4, as: UInt64.self)
            p.storeBytes(of: prev.1.littleEndian, toByteOffset: 12, as: UInt64.self)
            p.storeBytes(of: prev.2.littleEndian, toByteOffset: 20, as: UInt64.self)
            p.storeBytes(of: prev.3.littleEndian, toByteOffset: 28, as: UInt64.self)
            let merkle = merkleRoot.words
            p.storeBytes(of: merkle.0.littleEndian, toByteOffset: 36, as: UInt64.self)
            p.storeBytes(of: merkle.1.littleEndian, toByteOffset: 44, as: UInt64.self)
            p.storeBytes(of: merkle.2.littleEndian, toByteOffset: 52, as: UInt64.self)
            p.storeBytes(of: merkle.3.littleEndian, toByteOffset: 60, as: UInt64.self)
            p.storeBytes(of: time.littleEndian, toByteOffset: 68, as: UInt32.self)
            p.storeBytes(of: bits.littleEndian, toByteOffset: 72, as: UInt32.self)
            p.storeBytes(of: nonce.littleEndian, toByteOffset: 76, as: UInt32.self)
            return try body(UnsafeRawBufferPointer(rebasing: p[0..<BlockHeader.size]))
        }
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
