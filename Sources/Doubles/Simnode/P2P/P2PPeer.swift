import BitcoinPrimitives
import JSON
import Logging

/// One real P2P connection as the node sees it: what getpeerinfo reports and what the relay
/// logic needs (BIP130 sendheaders, BIP339 wtxidrelay, what the peer already knows).
struct P2PPeer: Sendable {
    let id: Int
    /// The remote address, "127.0.0.1:54321".
    let addr: String
    /// Our local address of the connection.
    let addrBind: String
    let inbound: Bool
    let conntime: Int64
    /// "detecting", "v1" or "v2".
    var transport = "detecting"
    /// The BIP324 session id (hex) on v2, empty otherwise.
    var sessionID = ""
    var version: VersionMessage?
    /// The peer's verack arrived: the connection is fully up (Core's fSuccessfullyConnected).
    var verackReceived = false
    /// BIP339: announce and request transactions by wtxid (only valid before verack).
    var wtxidRelay = false
    /// BIP130: announce new blocks with headers rather than inv.
    var sendHeaders = false
    /// The last block we know the peer has (announced to it, or announced by it).
    var bestKnown: BlockHash?
    /// Transaction ids and wtxids the peer has announced or been sent (not re-announced).
    var knownTransactions: Set<Hash256> = []
    /// Hands frames to the connection (writes them on its event loop).
    let send: @Sendable ([P2PFrame]) -> Void
    /// Closes the connection.
    let disconnect: @Sendable () -> Void

    /// Most ids kept per peer in ``knownTransactions`` before it is cleared (a bound, not a policy).
    static let maxKnownTransactions = 50_000

    mutating func remember(_ ids: Hash256...) {
        if knownTransactions.count + ids.count > Self.maxKnownTransactions { knownTransactions.removeAll() }
        for id in ids { knownTransactions.insert(id) }
    }

    /// The getpeerinfo entry, in the shape of the pretend peers' (bitcoind v26's fields).
    func json(now: Int64, height: Int) -> JSONValue {
        guard var view = try? FakePeer(json: .object([]), id: id, height: height, now: conntime) else { return .null }
        view.addr = addr
        view.connectionType = inbound ? "inbound" : "manual"
        view.transportProtocolType = transport
        view.sessionID = sessionID
        view.addrBind = addrBind
        if let version {
            view.version = Int(version.version)
            view.subver = version.userAgentString
            view.startingHeight = Int(version.startHeight)
        } else {
            view.version = 0
            view.subver = ""
            view.startingHeight = -1
        }
        return view.json(now: now, height: height)
    }
}

/// The P2P side of the node's state (one stored property of ``SimnodeNode``).
struct SimnodeP2PState: Sendable {
    /// Connected peers by id (ids shared with the pretend peers' numbering).
    var peers: [Int: P2PPeer] = [:]
    /// Where blocks nobody here has come from (`simsetblocksource`), or nil.
    var blockSource: BlockSource?
    /// -v2transport: BIP324 accepted, and NODE_P2P_V2 advertised in our version message.
    var v2transport = true
    /// Nodes given to `addnode ... add`.
    var addedNodes: [String] = []
    /// Makes an outbound connection (set by the server), or nil without a P2P listener.
    var connector: (@Sendable (String, Int) -> Void)?
    var logger = Logger(label: "simnode.p2p")
}
