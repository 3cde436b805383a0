import BitcoinPrimitives

/// One getpeerinfo entry: only the fields altnet's eclipse detectors read, each optional
/// except id. Fields bitcoind adds or removes elsewhere in the object never break decoding
/// (a proxy in this space broke twice on getpeerinfo changes), nor does a field whose type
/// changes (it reads as absent).
public struct BitcoindPeerInfo: Decodable, Sendable, Equatable {
    public let id: Int
    public let addr: String?
    /// "ipv4", "ipv6", "onion", "i2p", "cjdns", "not_publicly_routable".
    public let network: String?
    public let inbound: Bool?
    /// "outbound-full-relay", "block-relay-only", "inbound", "manual", "addr-fetch", "feeler".
    public let connectionType: String?
    /// "v1", "v2" or "detecting" (v26+).
    public let transportProtocolType: String?
    public let subver: String?
    public let version: Int?
    public let syncedHeaders: Int?
    public let syncedBlocks: Int?
    public let startingHeight: Int?
    public let mappedAS: Int?
    public let servicesNames: [String]?
    public let connTime: Int64?

    enum CodingKeys: String, CodingKey {
        case id, addr, network, inbound, connection_type, transport_protocol_type, subver, version
        case synced_headers, synced_blocks, startingheight, mapped_as, servicesnames, conntime
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(Int.self, forKey: .id)
        addr = try? c.decodeIfPresent(String.self, forKey: .addr)
        network = try? c.decodeIfPresent(String.self, forKey: .network)
        inbound = try? c.decodeIfPresent(Bool.self, forKey: .inbound)
        connectionType = try? c.decodeIfPresent(String.self, forKey: .connection_type)
        transportProtocolType = try? c.decodeIfPresent(String.self, forKey: .transport_protocol_type)
        subver = try? c.decodeIfPresent(String.self, forKey: .subver)
        version = try? c.decodeIfPresent(Int.self, forKey: .version)
        syncedHeaders = try? c.decodeIfPresent(Int.self, forKey: .synced_headers)
        syncedBlocks = try? c.decodeIfPresent(Int.self, forKey: .synced_blocks)
        startingHeight = try? c.decodeIfPresent(Int.self, forKey: .startingheight)
        mappedAS = try? c.decodeIfPresent(Int.self, forKey: .mapped_as)
        servicesNames = try? c.decodeIfPresent([String].self, forKey: .servicesnames)
        connTime = try? c.decodeIfPresent(Int64.self, forKey: .conntime)
    }

    /// An outbound peer that relays blocks and transactions (the ones an eclipse replaces).
    public var isOutboundFullRelay: Bool { connectionType == "outbound-full-relay" }
}

/// getmempoolentry: the fields altnet reads.
public struct MempoolEntryInfo: Decodable, Sendable, Equatable {
    public let vsize: Int?
    public let weight: Int?
    public let time: Int64?
    public let height: Int?
    public let wtxid: Hash256?
    /// fees.base in BTC.
    public let baseFee: Double?
    public let depends: [Hash256]

    enum CodingKeys: String, CodingKey { case vsize, weight, time, height, wtxid, fees, depends }
    enum FeeKeys: String, CodingKey { case base }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        vsize = try c.decodeIfPresent(Int.self, forKey: .vsize)
        weight = try c.decodeIfPresent(Int.self, forKey: .weight)
        time = try c.decodeIfPresent(Int64.self, forKey: .time)
        height = try c.decodeIfPresent(Int.self, forKey: .height)
        wtxid = c.contains(.wtxid) ? try c.decodeHash(.wtxid) : nil
        if c.contains(.fees) {
            baseFee = try c.nestedContainer(keyedBy: FeeKeys.self, forKey: .fees).decodeIfPresent(Double.self, forKey: .base)
        } else {
            baseFee = nil
        }
        depends = try (c.decodeIfPresent([DisplayHash].self, forKey: .depends) ?? []).map(\.hash)
    }
}
