import BitcoinPrimitives
import Foundation

/// One poll of bitcoind over RPC: what the detectors need, nothing more. A ``ChainObserver``
/// builds it from `getblockchaininfo`, `getchaintips` (+ `getblockheader` for branch work)
/// and `getpeerinfo`.
public struct ChainObservation: Sendable, Equatable {
    /// When the poll completed (watchdog clock).
    public var at: Date
    /// `getblockchaininfo`: `bestblockhash`, `blocks`, `time` (the tip header's timestamp),
    /// `chainwork`, `headers`, `initialblockdownload`.
    public var bestBlockHash: BlockHash
    public var height: Int
    public var tipTime: Date
    public var chainWork: ObservedWork
    public var headers: Int
    public var initialBlockDownload: Bool
    /// `getchaintips`, with each non-active tip's work from `getblockheader(hash).chainwork`
    /// where the observer fetched it (at least for `headers-only` and `valid-headers` tips).
    public var tips: [ChainTipObservation]
    /// `getpeerinfo`; nil if the observer did not fetch peers this time (peer detectors skip).
    public var peers: [PeerObservation]?

    public init(at: Date, bestBlockHash: BlockHash, height: Int, tipTime: Date, chainWork: ObservedWork,
                headers: Int, initialBlockDownload: Bool, tips: [ChainTipObservation] = [],
                peers: [PeerObservation]? = nil) {
        self.at = at
        self.bestBlockHash = bestBlockHash
        self.height = height
        self.tipTime = tipTime
        self.chainWork = chainWork
        self.headers = headers
        self.initialBlockDownload = initialBlockDownload
        self.tips = tips
        self.peers = peers
    }
}

/// `getchaintips` status values (bitcoin/bitcoin src/rpc/blockchain.cpp).
public enum ChainTipStatus: Sendable, Hashable {
    case active, validFork, validHeaders, headersOnly, invalid
    case other(String)

    /// From the RPC string; unknown values are kept, not rejected.
    public init(rpc: String) {
        switch rpc {
        case "active": self = .active
        case "valid-fork": self = .validFork
        case "valid-headers": self = .validHeaders
        case "headers-only": self = .headersOnly
        case "invalid": self = .invalid
        default: self = .other(rpc)
        }
    }

    public var rpcName: String {
        switch self {
        case .active: "active"
        case .validFork: "valid-fork"
        case .validHeaders: "valid-headers"
        case .headersOnly: "headers-only"
        case .invalid: "invalid"
        case .other(let s): s
        }
    }
}

/// One entry of `getchaintips`.
public struct ChainTipObservation: Sendable, Equatable {
    public var hash: BlockHash
    public var height: Int
    /// `branchlen`: blocks from the fork point with the active chain to this tip (0 if active).
    public var branchLength: Int
    public var status: ChainTipStatus
    /// `getblockheader(hash).chainwork`; nil if not fetched.
    public var chainWork: ObservedWork?

    public init(hash: BlockHash, height: Int, branchLength: Int, status: ChainTipStatus, chainWork: ObservedWork? = nil) {
        self.hash = hash
        self.height = height
        self.branchLength = branchLength
        self.status = status
        self.chainWork = chainWork
    }
}

/// One entry of `getpeerinfo`, only the fields the eclipse detectors read.
public struct PeerObservation: Sendable, Equatable {
    public var id: Int
    /// `addr`: `1.2.3.4:8333`, `[2001:db8::1]:8333`, `xyz.onion:8333`, ...
    public var address: String
    /// `network`: ipv4, ipv6, onion, i2p, cjdns, not_publicly_routable (v22+); nil if absent.
    public var network: String?
    /// `connection_type`: outbound-full-relay, block-relay-only, inbound, manual, addr-fetch, feeler.
    public var connectionType: String
    /// `transport_protocol_type`: v1, v2 or detecting (v26+); nil if absent.
    public var transport: String?

    public init(id: Int, address: String, network: String? = nil, connectionType: String, transport: String? = nil) {
        self.id = id
        self.address = address
        self.network = network
        self.connectionType = connectionType
        self.transport = transport
    }

    /// Automatic outbound connections that carry blocks: full-relay and block-relay-only.
    /// Manual, feeler and addr-fetch connections are the operator's or short-lived.
    public var isAutomaticOutbound: Bool {
        connectionType == "outbound-full-relay" || connectionType == "block-relay-only"
    }
}
