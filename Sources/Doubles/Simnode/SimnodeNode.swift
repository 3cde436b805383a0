import BitcoinPrimitives
import Foundation
import JSON

/// The state of the bitcoind double: chain, mempool, pretend peers, control switches; and the
/// RPC methods over it. One actor so RPC calls, timers and mining never race.
///
/// RPC methods (bitcoind's names, shapes and error codes) are in the `SimnodeNode+*.swift`
/// extensions; the `sim*` controls are documented in docs/simnode.md and in
/// `SimnodeNode+Control.swift`.
public actor SimnodeNode {
    var chain: SimChain
    var mempool: [Hash256: MempoolEntry] = [:]
    var mempoolOrder: [Hash256] = []
    var mempoolSequence: UInt64 = 1
    var peers: [FakePeer]
    var nextPeerId = 10
    /// When set, every non-control method fails with RPC_IN_WARMUP and this message.
    var warmupMessage: String?
    /// Full blocks of headers-only entries (a simulated peer has them; getblockfrompeer or
    /// simactivate hands them over).
    var withheld: [BlockHash: SimBlock] = [:]
    /// Prune mode (as bitcoind's -prune): on from the first `simprune`. getblockfrompeer then
    /// refuses blocks above the tip, and getblockchaininfo reports "pruned".
    var pruneMode = false
    /// Every accepted getblockfrompeer (block, peer id), for `simfetchlog`.
    var fetchLog: [(BlockHash, Int)] = []
    var miningTask: Task<Void, Never>?
    var miningInterval: Double = 0
    var miningGeneration: UInt64 = 0
    var forkCounter: UInt32 = 0
    /// Latches false like Core's IsInitialBlockDownload.
    var initialBlockDownload = true
    /// Set by `simsetibd true`: initial block download holds whatever the tip's time, until
    /// `simsetibd false`.
    var initialBlockDownloadPinned = false
    /// The Core release whose answers simnode gives where releases differ (``CoreVersion``).
    public nonisolated let coreVersion: CoreVersion
    let publisher: ZMQPublisher?
    let store: BlockStore?
    let clock: @Sendable () -> Int64
    let startTime: Int64
    /// Real P2P connections and the block source (Sources/Doubles/Simnode/P2P).
    var p2p = SimnodeP2PState()
    /// Called (once) when the `stop` RPC arrives.
    var onStop: (@Sendable () -> Void)?
    /// Non-`sim*` RPC calls executed so far (each item of a batch counts), for `simrpccount`.
    var rpcCalls = 0

    /// The script automatic mining and `simgenerate` pay to: OP_TRUE (anyone can spend).
    static let defaultScript: [UInt8] = [0x51]
    /// The subversion simnode reports: honest about being a double.
    public static let subversion = "/simnode:0.1.0/"

    /// - Parameters:
    ///   - publisher: where ZMQ notifications go, or nil for none.
    ///   - store: where connected blocks are kept across restarts, or nil (memory only); its
    ///     blocks are loaded now, without notifications.
    ///   - clock: the current Unix time in seconds (injected for tests).
    ///   - coreVersion: the Core release to answer as (default v26, the oldest altnet supports).
    /// - Throws: only if the built-in genesis block fails to build (cannot happen).
    public init(
        publisher: ZMQPublisher?, store: BlockStore? = nil,
        clock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) },
        coreVersion: CoreVersion = .v26
    ) throws {
        self.coreVersion = coreVersion
        var chain = try SimChain()
        for block in store?.load() ?? [] {
            _ = try? chain.add(header: block.header, block: block)
        }
        _ = chain.activateBestChain()
        self.chain = chain
        self.store = store
        self.publisher = publisher
        self.clock = clock
        let now = clock()
        self.startTime = now
        self.peers = FakePeer.defaultSet(height: 0, now: now)
        self.initialBlockDownload = Int64(chain.tip.header.time) <= now - 24 * 3600
    }

    /// Sets the callback run when the `stop` RPC is called.
    public func setOnStop(_ f: @escaping @Sendable () -> Void) { onStop = f }

    /// Cancels timers (interval mining, scheduled fetches end on their own).
    public func shutdown() {
        miningTask?.cancel()
        miningTask = nil
    }

    /// The active tip's hash and height (for tests and logs).
    public var tip: (hash: BlockHash, height: Int) { (chain.tip.hash, chain.height) }

    /// The whole chain state, read-only (for the P2P server and tests).
    public var chainSnapshot: SimChain { chain }

    /// Runs one RPC method.
    /// - Parameters:
    ///   - method: the method name.
    ///   - params: "params" of the request: array, object (named) or null.
    /// - Returns: the result value.
    /// - Throws: ``RPCFailure`` with bitcoind's code and message.
    public func call(_ method: String, params: JSONValue) throws(RPCFailure) -> JSONValue {
        if method.hasPrefix("sim") || method == "stop" {
            return try control(method, params)
        }
        rpcCalls += 1
        if let warmupMessage { throw RPCFailure(RPCFailure.inWarmup, warmupMessage) }
        switch method {
        case "getblockchaininfo", "getbestblockhash", "getblockcount", "getblockhash", "getblockheader",
            "getblock", "getchaintips", "invalidateblock", "reconsiderblock", "getblockfrompeer":
            return try blockchain(method, params)
        case "getpeerinfo", "getnetworkinfo", "getconnectioncount", "ping", "uptime", "getzmqnotifications":
            return try network(method, params)
        case "addnode":
            return try addNode(params)
        case "addpeeraddress", "getnodeaddresses", "getaddrmaninfo":
            return try addrRPC(method, params)
        case "generatetoaddress", "submitheader", "submitblock":
            return try mining(method, params)
        case "sendrawtransaction", "getrawmempool", "getmempoolentry", "getmempoolinfo":
            return try mempoolMethod(method, params)
        case "estimatesmartfee":
            return try estimateSmartFee(params)
        case "submitpackage":
            return try submitPackage(params)
        case "setnetworkactive":
            return try setNetworkActive(params)
        case "getrawtransaction":
            return try getRawTransaction(params)
        case "gettxout":
            return try getTxOut(params)
        default:
            throw RPCFailure(RPCFailure.methodNotFound, "Method not found")
        }
    }

    /// Applies chain events: updates the IBD latch and publishes ZMQ in bitcoind's order
    /// (per connected block: hashtx/rawtx for its transactions, then sequence 'C'; per
    /// disconnected block: sequence 'D'; per step: hashblock and rawblock of the new tip).
    func apply(_ events: [ChainEvent]) {
        if initialBlockDownload, !initialBlockDownloadPinned, Int64(chain.tip.header.time) > clock() - 24 * 3600 {
            initialBlockDownload = false
        }
        for event in events {
            switch event {
            case .connected(let block):
                store?.append(block)
                for tx in block.transactions {
                    publisher?.publishTransaction(tx)
                    removeFromMempool(tx.txid, reasonBlock: true)
                }
                publisher?.publishSequence(block.hash, connected: true)
            case .disconnected(let block):
                publisher?.publishSequence(block.hash, connected: false)
            case .tipChanged(let block):
                publisher?.publishTip(block)
            }
        }
        if events.contains(where: { if case .tipChanged = $0 { true } else { false } }) { p2pAnnounceTip() }
    }
}
