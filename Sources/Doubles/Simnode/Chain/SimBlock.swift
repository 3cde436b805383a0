import BitcoinPrimitives

/// A full block: header and transactions (the first is the coinbase).
public struct SimBlock: Sendable {
    public var header: BlockHeader
    public var transactions: [SimTransaction]

    public init(header: BlockHeader, transactions: [SimTransaction]) {
        self.header = header
        self.transactions = transactions
    }

    public var hash: BlockHash { header.hash }

    /// Parses a serialised block.
    /// - Throws: ``DecodingError`` on truncated, oversized or trailing data.
    public init(bytes: [UInt8]) throws(DecodingError) {
        var r = ByteReader(bytes)
        header = try BlockHeader(from: &r)
        // A transaction is at least 60 bytes; a block at most 4,000,000 bytes.
        let count = try r.readCount("transactions", limit: 4_000_000 / 60, minElementSize: 60)
        var txs: [SimTransaction] = []
        txs.reserveCapacity(count)
        for _ in 0..<count { txs.append(try SimTransaction.read(from: &r)) }
        try r.expectEnd()
        transactions = txs
    }

    /// The serialised block: header, transaction count, transactions with witness.
    public var serialized: [UInt8] {
        var w = ByteWriter(capacity: 80 + 9 + transactions.reduce(0) { $0 + $1.bytes.count })
        header.write(to: &w)
        w.writeCompactSize(transactions.count)
        for tx in transactions { w.writeBytes(tx.bytes) }
        return w.bytes
    }

    /// The serialised block without witness data (a `block` reply to a non-witness getdata).
    public var strippedSerialized: [UInt8] {
        var w = ByteWriter(capacity: strippedSize)
        header.write(to: &w)
        w.writeCompactSize(transactions.count)
        for tx in transactions { w.writeBytes(tx.stripped) }
        return w.bytes
    }

    /// Size without witness data (the "strippedsize" of getblock).
    public var strippedSize: Int {
        80 + compactSizeLength(transactions.count) + transactions.reduce(0) { $0 + $1.strippedSize }
    }

    public var size: Int { 80 + compactSizeLength(transactions.count) + transactions.reduce(0) { $0 + $1.bytes.count } }

    /// BIP141 weight: 3 * stripped size + size.
    public var weight: Int { 3 * strippedSize + size }
}

func compactSizeLength(_ n: Int) -> Int {
    switch n {
    case ..<0xfd: return 1
    case ...0xffff: return 3
    case ...0xffff_ffff: return 5
    default: return 9
    }
}

/// Merkle trees as Bitcoin builds them: pairs hashed with double SHA-256, an odd last node paired
/// with itself.
enum Merkle {
    /// The merkle root of hashes in internal byte order.
    /// - Parameter leaves: txids (or wtxids); the root of an empty list is zero.
    static func root(_ leaves: [Hash256]) -> Hash256 {
        guard !leaves.isEmpty else { return .zero }
        var level = leaves
        while level.count > 1 {
            var next: [Hash256] = []
            next.reserveCapacity((level.count + 1) / 2)
            var i = 0
            while i < level.count {
                let a = level[i], b = i + 1 < level.count ? level[i + 1] : level[i]
                next.append(Hash256.sha256d(of: a.internalBytes + b.internalBytes))
                i += 2
            }
            level = next
        }
        return level[0]
    }
}
