import BitcoinPrimitives

/// getblockchaininfo: the fields altnet reads. Others (and "warnings", a string before v28
/// and an array after) are ignored.
public struct BlockchainInfo: Decodable, Sendable, Equatable {
    public let chain: String
    public let blocks: Int
    public let headers: Int
    public let bestBlockHash: BlockHash
    public let time: Int64?
    public let medianTime: Int64?
    public let verificationProgress: Double?
    public let initialBlockDownload: Bool
    public let chainWork: String?
    public let pruned: Bool
    public let pruneHeight: Int?

    enum CodingKeys: String, CodingKey {
        case chain, blocks, headers, bestblockhash, time, mediantime, verificationprogress
        case initialblockdownload, chainwork, pruned, pruneheight
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        chain = try c.decode(String.self, forKey: .chain)
        blocks = try c.decode(Int.self, forKey: .blocks)
        headers = try c.decode(Int.self, forKey: .headers)
        bestBlockHash = try c.decodeBlockHash(.bestblockhash)
        time = try c.decodeIfPresent(Int64.self, forKey: .time)
        medianTime = try c.decodeIfPresent(Int64.self, forKey: .mediantime)
        verificationProgress = try c.decodeIfPresent(Double.self, forKey: .verificationprogress)
        initialBlockDownload = try c.decodeIfPresent(Bool.self, forKey: .initialblockdownload) ?? false
        chainWork = try c.decodeIfPresent(String.self, forKey: .chainwork)
        pruned = try c.decodeIfPresent(Bool.self, forKey: .pruned) ?? false
        pruneHeight = try c.decodeIfPresent(Int.self, forKey: .pruneheight)
    }
}

/// getnetworkinfo: version and connection counts.
public struct NetworkInfo: Decodable, Sendable, Equatable {
    public let version: Int
    public let subversion: String
    public let protocolVersion: Int?
    public let connections: Int?
    public let connectionsIn: Int?
    public let connectionsOut: Int?
    public let networkActive: Bool?
    public let localServicesNames: [String]?
    /// Seconds: Core's median of its outbound peers' clock offsets (`timeoffset`,
    /// src/node/timeoffsets.cpp since v28; the network-adjusted offset before).
    public let timeOffset: Int?

    enum CodingKeys: String, CodingKey {
        case version, subversion, protocolversion, connections, connections_in, connections_out
        case networkactive, localservicesnames, timeoffset
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        version = try c.decode(Int.self, forKey: .version)
        subversion = try c.decode(String.self, forKey: .subversion)
        protocolVersion = try c.decodeIfPresent(Int.self, forKey: .protocolversion)
        connections = try c.decodeIfPresent(Int.self, forKey: .connections)
        connectionsIn = try c.decodeIfPresent(Int.self, forKey: .connections_in)
        connectionsOut = try c.decodeIfPresent(Int.self, forKey: .connections_out)
        networkActive = try c.decodeIfPresent(Bool.self, forKey: .networkactive)
        localServicesNames = try c.decodeIfPresent([String].self, forKey: .localservicesnames)
        timeOffset = try c.decodeIfPresent(Int.self, forKey: .timeoffset)
    }
}
