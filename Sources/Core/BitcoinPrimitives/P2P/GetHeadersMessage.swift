/// The `getheaders` message: a block locator and a stop hash.
///
/// Layout: version u32, CompactSize count (at most 101, Core's `MAX_LOCATOR_SZ`), that many
/// 32-byte hashes (newest first), hash_stop (32 bytes, zero for "as many as you can").
public struct GetHeadersMessage: Hashable, Sendable {
    public var version: UInt32
    public var locator: [BlockHash]
    public var hashStop: BlockHash

    public init(version: UInt32, locator: [BlockHash], hashStop: BlockHash = .zero) {
        self.version = version
        self.locator = locator
        self.hashStop = hashStop
    }

    /// - Throws: ``DecodingError`` on truncation, more than 101 locator hashes, or trailing bytes.
    public init(payload: ArraySlice<UInt8>) throws(DecodingError) {
        var r = ByteReader(payload)
        version = try r.readLE()
        let n = try r.readCount("locator hashes", limit: P2PLimits.maxLocatorHashes, minElementSize: 32)
        var hashes: [BlockHash] = []
        hashes.reserveCapacity(n)
        for _ in 0..<n { hashes.append(BlockHash(try r.readHash256())) }
        locator = hashes
        hashStop = BlockHash(try r.readHash256())
        try r.expectEnd()
    }

    public func write(to w: inout ByteWriter) {
        w.writeLE(version)
        w.writeCompactSize(locator.count)
        for h in locator { w.writeHash256(h.hash) }
        w.writeHash256(hashStop.hash)
    }
}
