/// An 80-byte Bitcoin block header, as serialised on the wire.
///
/// A `BlockHeader` is only parsed bytes: nothing about it is checked. Validation (proof of work,
/// linkage, difficulty, time) happens in `HeaderChain`, the one place that produces validated
/// headers.
public struct BlockHeader: Hashable, Sendable {
    public static let size = 80

    public var version: Int32
    public var previousBlockHash: BlockHash
    public var merkleRoot: Hash256
    public var time: UInt32
    /// The compact target ("nBits").
    public var bits: UInt32
    public var nonce: UInt32

    public init(version: Int32, previousBlockHash: BlockHash, merkleRoot: Hash256, time: UInt32, bits: UInt32, nonce: UInt32) {
        self.version = version
        self.previousBlockHash = previousBlockHash
        self.merkleRoot = merkleRoot
        self.time = time
        self.bits = bits
        self.nonce = nonce
    }

    /// Reads 80 bytes from the reader.
    /// - Throws: ``DecodingError`` if fewer than 80 bytes remain.
    public init(from reader: inout ByteReader) throws(DecodingError) {
        version = try reader.readInt32LE()
        previousBlockHash = try BlockHash(internalBytes: try reader.readBytes(32))
        merkleRoot = try Hash256(internalBytes: try reader.readBytes(32))
        time = try reader.readLE()
        bits = try reader.readLE()
        nonce = try reader.readLE()
    }

    /// Parses exactly 80 bytes.
    /// - Throws: ``DecodingError`` on any other length.
    public init<C: Collection>(bytes: C) throws(DecodingError) where C.Element == UInt8 {
        guard bytes.count == BlockHeader.size else {
            if bytes.count > BlockHeader.size {
                throw DecodingError(.trailingBytes(bytes.count - BlockHeader.size), at: BlockHeader.size)
            }
            throw DecodingError(.truncated(needed: BlockHeader.size, available: bytes.count), at: 0)
        }
        let parsed: BlockHeader? = bytes.withContiguousStorageIfAvailable { p in
            try? BlockHeader(unsafeRawBytes: UnsafeRawBufferPointer(p))
        } ?? nil
        if let parsed {
            self = parsed
        } else {
            var r = ByteReader(Array(bytes))
            try self.init(from: &r)
            try r.expectEnd()
        }
    }

    public func write(to writer: inout ByteWriter) {
        writer.writeLE(UInt32(bitPattern: version))
        writer.writeBytes(previousBlockHash.internalBytes)
        writer.writeBytes(merkleRoot.internalBytes)
        writer.writeLE(time)
        writer.writeLE(bits)
        writer.writeLE(nonce)
    }

    /// The 80 serialised bytes.
    public var serialized: [UInt8] {
        var w = ByteWriter(capacity: 80)
        write(to: &w)
        return w.bytes
    }

    /// The block hash: double SHA-256 of the 80 bytes.
    public var hash: BlockHash { BlockHash(withSerializedBytes { Hash256.sha256d(raw: $0) }) }
}
