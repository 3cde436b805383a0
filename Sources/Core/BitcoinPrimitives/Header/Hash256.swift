/// A 32-byte double-SHA-256 digest stored in **internal (wire) byte order**, as it is hashed and
/// serialised.
///
/// Bitcoin displays these hashes reversed (RPC, explorers, ZMQ `hashblock` bodies). The only
/// ways to go between the two orders are the explicitly named ``init(displayHex:)``,
/// ``displayHex``, ``init(internalBytes:)`` and ``internalBytes``: there is no unlabelled `hex`.
public struct Hash256: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The four 64-bit words of the internal-order bytes, little endian (word 0 = bytes 0..<8).
    /// Storing words keeps the type a fixed-size value with no heap allocation.
    public let words: (UInt64, UInt64, UInt64, UInt64)

    public static let zero = Hash256(words: (0, 0, 0, 0))

    public init(words: (UInt64, UInt64, UInt64, UInt64)) { self.words = words }

    /// From 32 bytes in internal (wire) order.
    /// - Throws: ``DecodingError`` if not exactly 32 bytes.
    public init<C: Collection>(internalBytes bytes: C) throws(DecodingError) where C.Element == UInt8 {
        guard bytes.count == 32 else {
            throw DecodingError(.invalid("a hash is 32 bytes, got \(bytes.count)"), at: 0)
        }
        var r = ByteReader(Array(bytes))
        words = (try r.readLE(), try r.readLE(), try r.readLE(), try r.readLE())
    }

    /// From 64 hex digits in display order (as bitcoind's RPC prints block hashes and txids).
    /// - Throws: ``Hex/DecodingError`` or ``DecodingError`` for bad hex or length.
    public init(displayHex: String) throws {
        let bytes = try Hex.decode(displayHex)
        try self.init(internalBytes: bytes.reversed())
    }

    /// The 32 bytes in internal (wire) order.
    public var internalBytes: [UInt8] {
        var w = ByteWriter(capacity: 32)
        w.writeLE(words.0); w.writeLE(words.1); w.writeLE(words.2); w.writeLE(words.3)
        return w.bytes
    }

    /// Hex in display order (reversed bytes), as RPC shows it.
    public var displayHex: String { Hex.encode(internalBytes.reversed()) }

    public var description: String { displayHex }

    public static func == (a: Hash256, b: Hash256) -> Bool {
        a.words.0 == b.words.0 && a.words.1 == b.words.1 && a.words.2 == b.words.2 && a.words.3 == b.words.3
    }

    public func hash(into h: inout Hasher) {
        h.combine(words.0); h.combine(words.1); h.combine(words.2); h.combine(words.3)
    }

    /// Orders by numeric value read as a little-endian 256-bit integer (as Bitcoin compares a
    /// block hash against its target).
    public static func < (a: Hash256, b: Hash256) -> Bool {
        if a.words.3 != b.words.3 { return a.words.3 < b.words.3 }
        if a.words.2 != b.words.2 { return a.words.2 < b.words.2 }
        if a.words.1 != b.words.1 { return a.words.1 < b.words.1 }
        return a.words.0 < b.words.0
    }

    /// Double SHA-256 of the bytes.
    public static func sha256d<C: Collection>(of bytes: C) -> Hash256 where C.Element == UInt8 {
        let array = Array(bytes)
        return array.withUnsafeBytes { Hash256.sha256d(raw: $0) }
    }
}

/// A block's hash. A distinct type so that a block hash cannot be passed where a txid is meant.
public struct BlockHash: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let hash: Hash256
    public init(_ hash: Hash256) { self.hash = hash }
    public init(displayHex: String) throws { hash = try Hash256(displayHex: displayHex) }
    public init<C: Collection>(internalBytes: C) throws(DecodingError) where C.Element == UInt8 {
        hash = try Hash256(internalBytes: internalBytes)
    }
    public static let zero = BlockHash(.zero)
    public var internalBytes: [UInt8] { hash.internalBytes }
    public var displayHex: String { hash.displayHex }
    public var description: String { hash.displayHex }
    public static func < (a: BlockHash, b: BlockHash) -> Bool { a.hash < b.hash }
    public static func == (a: BlockHash, b: BlockHash) -> Bool { a.hash == b.hash }

    /// Feeds the low 128 bits only: a block hash is a SHA-256 output, uniform in those bits
    /// (the zeros of proof of work are at the top), and header sync hashes millions of them.
    /// Equality still compares all 256 bits.
    public func hash(into h: inout Hasher) {
        h.combine(hash.words.0)
        h.combine(hash.words.1)
    }
}
