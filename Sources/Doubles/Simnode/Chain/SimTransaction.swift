import BitcoinPrimitives

/// A transaction as simnode needs it: its bytes, txid and wtxid.
///
/// Parsed only far enough to find the witness (for the txid) and to reject garbage; scripts
/// and amounts are not checked (simnode has no UTXO set: it is a double, not a validator).
public struct SimTransaction: Sendable, Hashable {
    /// The serialisation with witness (as sent and as stored in blocks).
    public let bytes: [UInt8]
    /// Double SHA-256 of the serialisation without witness.
    public let txid: Hash256
    /// Double SHA-256 of the serialisation with witness (equals txid without witness).
    public let wtxid: Hash256
    public let hasWitness: Bool
    /// The serialisation without witness, when it differs from ``bytes`` (nil otherwise).
    private let strippedBytes: [UInt8]?

    /// Serialised size without witness.
    public var strippedSize: Int { strippedBytes?.count ?? bytes.count }

    /// The serialisation without witness (for peers that did not ask for witness data).
    public var stripped: [UInt8] { strippedBytes ?? bytes }

    /// Weight as BIP141 defines it: 3 * stripped size + total size.
    public var weight: Int { 3 * strippedSize + bytes.count }
    public var vsize: Int { (weight + 3) / 4 }

    /// Limits taken from consensus: no transaction exceeds the 4,000,000 weight-unit block.
    static let maxSize = 4_000_000

    /// Parses exactly one serialised transaction (with or without BIP144 witness).
    /// - Parameter bytes: the raw transaction.
    /// - Throws: ``DecodingError`` on truncated, oversized or trailing data.
    public init(bytes: [UInt8]) throws(DecodingError) {
        guard bytes.count <= Self.maxSize else {
            throw DecodingError(.invalid("transaction of \(bytes.count) bytes exceeds \(Self.maxSize)"), at: 0)
        }
        var r = ByteReader(bytes)
        self = try Self.read(from: &r)
        try r.expectEnd()
    }

    /// Reads one transaction from a reader (as inside a block).
    /// - Throws: ``DecodingError`` on truncated or malformed data.
    public static func read(from r: inout ByteReader) throws(DecodingError) -> SimTransaction {
        let start = r.index
        var stripped = ByteWriter()
        let version = try r.readLE(UInt32.self)
        stripped.writeLE(version)
        var inputCount = try r.readCount("inputs", limit: 100_000, minElementSize: 41)
        var witness = false
        if inputCount == 0 {
            let flag = try r.readUInt8()
            guard flag == 1 else { throw DecodingError(.invalid("unknown transaction flag \(flag)"), at: r.offset) }
            witness = true
            inputCount = try r.readCount("inputs", limit: 100_000, minElementSize: 41)
        }
        guard inputCount > 0 else { throw DecodingError(.invalid("transaction without inputs"), at: r.offset) }
        let bodyStart = r.index
        for _ in 0..<inputCount {
            _ = try r.readBytes(36)
            _ = try r.readVarBytes("scriptSig", limit: 10_000)
            _ = try r.readLE(UInt32.self)
        }
        let outputCount = try r.readCount("outputs", limit: 100_000, minElementSize: 9)
        for _ in 0..<outputCount {
            _ = try r.readLE(UInt64.self)
            _ = try r.readVarBytes("scriptPubKey", limit: 10_000)
        }
        let bodyEnd = r.index
        if witness {
            for _ in 0..<inputCount {
                let items = try r.readCount("witness items", limit: 100_000)
                for _ in 0..<items { _ = try r.readVarBytes("witness item", limit: maxSize) }
            }
        }
        let lockTime = try r.readLE(UInt32.self)
        stripped.writeCompactSize(inputCount)
        stripped.writeBytes(r.bytes[bodyStart..<bodyEnd])
        stripped.writeLE(lockTime)
        let bytes = Array(r.bytes[start..<r.index])
        return SimTransaction(
            bytes: bytes, hasWitness: witness, strippedBytes: witness ? stripped.bytes : nil,
            txid: Hash256.sha256d(of: stripped.bytes),
            wtxid: witness ? Hash256.sha256d(of: bytes) : Hash256.sha256d(of: stripped.bytes))
    }

    private init(bytes: [UInt8], hasWitness: Bool, strippedBytes: [UInt8]?, txid: Hash256, wtxid: Hash256) {
        self.bytes = bytes
        self.hasWitness = hasWitness
        self.strippedBytes = strippedBytes
        self.txid = txid
        self.wtxid = wtxid
    }
}
