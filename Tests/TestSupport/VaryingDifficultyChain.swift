import BitcoinPrimitives
import HeaderChain

/// A test network whose difficulty moves, and header chains mined on it in microseconds.
///
/// Regtest cannot show a low-work fork: every regtest header has the same work. These parameters
/// retarget every 16 headers (timespan 16 x 600 s) under regtest's easy powLimit (nBits
/// 0x207fffff, about 2 hashes a header), starting 8 times harder (nBits 0x200fffff, about 16), so
/// retargets can move difficulty both ways and a chain can lose difficulty 4x per period.
///
/// - ``honest(length:)``: a chain from genesis whose periods run on time, faster or slower in
///   turn, so its target moves between T and 0.7 T.
/// - ``lowWorkFork(from:length:)``: a fork from a point of the honest chain whose headers are
///   4 x 600 s apart, so each retarget takes the 4x easier limit down to powLimit: with a fork
///   point deep enough it has more headers than the honest chain and less work.
/// - ``anchor(at:)``: a ``ChainAnchor`` on the honest chain with the ancestors ``HeaderChain``
///   needs; ``chainWork`` and ``work(of:)`` for the expected work; ``now`` and ``clock(after:)``
///   for a clock that admits the headers.
///
/// Every header follows the exact difficulty rules (``DifficultyRules/nextBits(params:last:newTime:ancestor:)``),
/// so ``HeaderChain`` accepts both chains. Deterministic: the same call mines the same headers.
///
/// ```swift
/// let chain = VaryingDifficultyChain.honest(length: 2_000)
/// let fork = chain.lowWorkFork(from: 500, length: 2_000)   // builds on chain.headers[500]
/// var headerChain = HeaderChain(params: chain.params, anchor: try chain.anchor(at: 0))
/// _ = try headerChain.accept(chain.headers.dropFirst(), from: HeaderSource("honest"), now: chain.now)
/// ```
public struct VaryingDifficultyChain: Sendable {
    /// Headers per retarget period.
    public static let retargetInterval = 16
    /// Seconds between blocks the retarget aims for.
    public static let targetSpacing: Int64 = 600
    /// powLimit's nBits: regtest's 0x7fff...ff.
    public static let powLimitBits: UInt32 = 0x207f_ffff
    /// Genesis nBits: a target of powLimit / 8, 16 hashes a header on average.
    public static let startBits: UInt32 = 0x200f_ffff
    /// Seconds between a low-work fork's headers: 15 gaps per measured period make 4 x the
    /// 9,600 s timespan, the retarget's easier limit.
    public static let lowWorkSpacing: UInt32 = 2_560

    /// The test network: regtest's names, ports and powLimit, a 16-header retarget, no
    /// min-difficulty blocks, no minimum chain work (set one with `params.with(minimumChainWork:)`).
    public static let params: ChainParams = {
        var genesis = BlockHeader(
            version: 1, previousBlockHash: .zero, merkleRoot: Hash256(words: (0x7661_7279, 0, 0, 0)),
            time: 1_700_000_000, bits: startBits, nonce: 0)
        Miner.mine(&genesis)
        let regtest = ChainParams.regtest
        return ChainParams(
            network: .regtest, messageStart: regtest.messageStart, defaultP2PPort: regtest.defaultP2PPort,
            defaultRPCPort: regtest.defaultRPCPort, genesis: genesis, powLimit: regtest.powLimit,
            powTargetSpacing: targetSpacing, powTargetTimespan: targetSpacing * Int64(retargetInterval),
            allowMinDifficultyBlocks: false, noRetargeting: false, enforceBIP94: false,
            bip34Height: 1, bip66Height: 1, bip65Height: 1, minimumChainWork: .zero)
    }()

    /// ``params``, for call sites that hold a chain.
    public var params: ChainParams { Self.params }
    /// The honest chain by height: `headers[0]` is genesis, `headers[tipHeight]` the tip.
    public let headers: [BlockHeader]
    /// Cumulative work by height, genesis's own work included (as ``ChainAnchor/genesis(_:)``).
    public let chainWork: [UInt256]

    /// The tip's height.
    public var tipHeight: Int { headers.count - 1 }
    /// The tip.
    public var tip: BlockHeader { headers[tipHeight] }
    /// A clock at the tip's time: every header of the chain is within the future limit.
    public var now: Int64 { Int64(tip.time) }

    /// An honest chain: `length` headers after genesis (tip at height `length`), its periods
    /// around on time (``Miner/Schedule/honest``: the target between T and 0.7 T).
    /// - Parameter length: headers after genesis.
    public static func honest(length: Int) -> VaryingDifficultyChain {
        var miner = Miner(after: params.genesis, height: 0, periodFirst: params.genesis, schedule: .honest)
        let mined = miner.next(max(0, length))
        var headers = [params.genesis]
        headers.reserveCapacity(mined.count + 1)
        headers.append(contentsOf: mined)
        return VaryingDifficultyChain(headers: headers)
    }

    private init(headers: [BlockHeader]) {
        self.headers = headers
        var works: [UInt256] = []
        works.reserveCapacity(headers.count)
        var total = UInt256.zero
        for header in headers {
            total = total &+ ProofOfWork.work(bits: header.bits)
            works.append(total)
        }
        chainWork = works
    }

    /// A fork whose difficulty falls: `length` headers after `headers[height]`, each 2,560 s
    /// after the last, so every retarget eases 4x (the limit) until powLimit.
    /// - Parameters:
    ///   - height: the fork point on the honest chain (0 ... ``tipHeight``).
    ///   - length: headers to mine.
    /// - Returns: the fork's headers, the first building on `headers[height]`.
    public func lowWorkFork(from height: Int, length: Int) -> [BlockHeader] {
        var miner = forkMiner(from: height, schedule: .lowWork)
        return miner.next(length)
    }

    /// A miner continuing from `headers[height]`, for forks built in batches (a long fork need
    /// not be held at once). Its headers differ from the honest chain's (another merkle root).
    /// - Parameters:
    ///   - height: the fork point on the honest chain.
    ///   - schedule: the timestamps' pattern.
    public func forkMiner(from height: Int, schedule: Miner.Schedule) -> Miner {
        let periodStart = height - height % Self.retargetInterval
        return Miner(
            after: headers[height], height: height, periodFirst: headers[periodStart], schedule: schedule, tag: 1)
    }

    /// A trusted anchor at `height` of the honest chain, with its chain work and the ancestors
    /// ``HeaderChain`` needs after it: 10 for median-time-past and, for the next retarget, back
    /// to the anchor's period start.
    /// - Parameter height: 0 ... ``tipHeight``; 0 gives ``ChainAnchor/genesis(_:)``.
    /// - Throws: ``ChainAnchor/Error`` (not for heights of this chain).
    public func anchor(at height: Int) throws(ChainAnchor.Error) -> ChainAnchor {
        if height == 0 { return .genesis(params) }
        let needed = max(ChainParams.medianTimeSpan - 1, height % Self.retargetInterval)
        let count = min(height, needed)
        return try ChainAnchor(
            header: headers[height], height: height, chainWork: chainWork[height],
            ancestors: Array(headers[(height - count)..<height]))
    }

    /// The total work of some headers (each header's ``ProofOfWork/work(bits:)``).
    public static func work(of headers: some Sequence<BlockHeader>) -> UInt256 {
        headers.reduce(UInt256.zero) { $0 &+ ProofOfWork.work(bits: $1.bits) }
    }

    /// A clock at the latest timestamp among `headers`: each is within the two-hour limit.
    public static func clock(after headers: some Sequence<BlockHeader>) -> Int64 {
        Int64(headers.reduce(UInt32(0)) { max($0, $1.time) })
    }
}
