/// A block: header and transactions, the first of which should be the coinbase.
///
/// Parsing checks only the encoding; ``Block/checkStructure(expectWitnessCommitment:)`` checks
/// the merkle root and witness commitment (see `Block+Validation.swift`).
public struct Block: Hashable, Sendable {
    /// Largest serialised block (Core src/consensus/consensus.h `MAX_BLOCK_SERIALIZED_SIZE`).
    public static let maxSerializedSize = 4_000_000
    /// Smallest transaction encoding (version 4, two empty counts, lock time 4), used to bound the
    /// transaction count by the bytes present before allocating.
    static let minTransactionSize = 10

    public var header: BlockHeader
    public var transactions: [Transaction]

    public init(header: BlockHeader, transactions: [Transaction]) {
        self.header = header
        self.transactions = transactions
    }

    /// The block hash (its header's).
    public var hash: BlockHash { header.hash }

    /// Parses a whole block (a `block` message payload).
    /// - Throws: ``DecodingError``: input above 4,000,000 bytes (checked before anything else),
    ///   a transaction count larger than the bytes could hold, any transaction error, trailing bytes.
    public init(bytes: ArraySlice<UInt8>) throws(DecodingError) {
        guard bytes.count <= Self.maxSerializedSize else {
            throw DecodingError(
                .tooLarge(field: "block size", value: UInt64(bytes.count), limit: UInt64(Self.maxSerializedSize)), at: 0)
        }
        var r = ByteReader(bytes)
        header = try BlockHeader(from: &r)
        let n = try r.readCount("transactions", limit: Self.maxSerializedSize, minElementSize: Self.minTransactionSize)
        var txs: [Transaction] = []
        txs.reserveCapacity(n)
        for _ in 0..<n { txs.append(try Transaction(from: &r)) }
        try r.expectEnd()
        transactions = txs
    }

    /// Parses a whole block. - Throws: ``DecodingError``.
    public init(bytes: [UInt8]) throws(DecodingError) { try self.init(bytes: bytes[...]) }

    public func write(to w: inout ByteWriter, includingWitness: Bool = true) {
        header.write(to: &w)
        w.writeCompactSize(transactions.count)
        for tx in transactions { tx.write(to: &w, includingWitness: includingWitness) }
    }

    /// The serialised block.
    /// - Parameter includingWitness: false gives the stripped form (BIP141 base size).
    public func serialized(includingWitness: Bool = true) -> [UInt8] {
        var w = ByteWriter(capacity: 80 + 300 * transactions.count)
        write(to: &w, includingWitness: includingWitness)
        return w.bytes
    }
}
