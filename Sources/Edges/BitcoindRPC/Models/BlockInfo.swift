import BitcoinPrimitives

/// getblockheader (verbose) and the header part of getblock (verbosity 1).
public struct BlockHeaderInfo: Decodable, Sendable, Equatable {
    public let hash: BlockHash
    /// -1 when the block is not on the active chain.
    public let confirmations: Int
    public let height: Int
    public let version: Int32
    public let merkleRoot: Hash256
    public let time: UInt32
    public let medianTime: Int64?
    public let nonce: UInt32
    public let bits: UInt32
    public let difficulty: Double?
    public let chainWork: String
    /// Transactions in the block; 0 when only the header is known.
    public let transactionCount: Int?
    public let previousBlockHash: BlockHash?
    public let nextBlockHash: BlockHash?

    enum CodingKeys: String, CodingKey {
        case hash, confirmations, height, version, merkleroot, time, mediantime, nonce, bits, difficulty
        case chainwork, nTx, previousblockhash, nextblockhash
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        hash = try c.decodeBlockHash(.hash)
        confirmations = try c.decode(Int.self, forKey: .confirmations)
        height = try c.decode(Int.self, forKey: .height)
        version = try c.decode(Int32.self, forKey: .version)
        merkleRoot = try c.decodeHash(.merkleroot)
        time = try c.decode(UInt32.self, forKey: .time)
        medianTime = try c.decodeIfPresent(Int64.self, forKey: .mediantime)
        nonce = try c.decode(UInt32.self, forKey: .nonce)
        bits = try c.decodeHexInteger(.bits)
        difficulty = try c.decodeIfPresent(Double.self, forKey: .difficulty)
        chainWork = try c.decode(String.self, forKey: .chainwork)
        transactionCount = try c.decodeIfPresent(Int.self, forKey: .nTx)
        previousBlockHash = try c.decodeBlockHashIfPresent(.previousblockhash)
        nextBlockHash = try c.decodeBlockHashIfPresent(.nextblockhash)
    }

    /// The 80-byte header these fields describe (genesis has no previous hash: zero).
    public var header: BlockHeader {
        BlockHeader(
            version: version, previousBlockHash: previousBlockHash ?? .zero, merkleRoot: merkleRoot,
            time: time, bits: bits, nonce: nonce)
    }
}

/// getblock with verbosity 1: the header fields, sizes and txids.
public struct BlockInfo: Decodable, Sendable, Equatable {
    public let header: BlockHeaderInfo
    public let size: Int?
    public let strippedSize: Int?
    public let weight: Int?
    public let txids: [Hash256]

    enum CodingKeys: String, CodingKey { case size, strippedsize, weight, tx }

    public init(from decoder: any Decoder) throws {
        header = try BlockHeaderInfo(from: decoder)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        size = try c.decodeIfPresent(Int.self, forKey: .size)
        strippedSize = try c.decodeIfPresent(Int.self, forKey: .strippedsize)
        weight = try c.decodeIfPresent(Int.self, forKey: .weight)
        txids = try c.decode([DisplayHash].self, forKey: .tx).map(\.hash)
    }
}

/// One entry of getchaintips.
public struct ChainTip: Decodable, Sendable, Equatable {
    /// getchaintips "status"; unknown strings from future versions are kept, not rejected.
    public enum Status: Sendable, Equatable {
        case active, validFork, validHeaders, headersOnly, invalid
        case other(String)

        init(_ s: String) {
            switch s {
            case "active": self = .active
            case "valid-fork": self = .validFork
            case "valid-headers": self = .validHeaders
            case "headers-only": self = .headersOnly
            case "invalid": self = .invalid
            default: self = .other(s)
            }
        }
    }

    public let height: Int
    public let hash: BlockHash
    public let branchLength: Int
    public let status: Status

    enum CodingKeys: String, CodingKey { case height, hash, branchlen, status }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        height = try c.decode(Int.self, forKey: .height)
        hash = try c.decodeBlockHash(.hash)
        branchLength = try c.decode(Int.self, forKey: .branchlen)
        status = Status(try c.decode(String.self, forKey: .status))
    }
}
