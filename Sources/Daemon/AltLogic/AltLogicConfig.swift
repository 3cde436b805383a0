import Altstack
import BitcoinPrimitives

/// Bounds and timers of ``AltLogicValidation``. Every loop it runs is bounded by one of these.
public struct AltLogicConfig: Sendable {
    /// Peers asked per driver in a fan-out (altnet.conf `peersperdriver`), chosen at random
    /// among the driver's ready peers, distinct network groups first.
    public var peersPerDriver: Int = 4
    /// Independent sources (distinct driver and network group) that must answer "nothing
    /// better" before a rescue concludes `no-better-chain` (altnet.conf `quorum`).
    public var quorum: Int = 2
    /// The least cumulative work a chain must have before anything of it reaches bitcoind; nil
    /// takes the network's (``ChainParams/minimumChainWork``, Core's `nMinimumChainWork`).
    /// altnet.conf `minchainwork`, as bitcoind's `-minimumchainwork`.
    public var minimumChainWork: UInt256?
    /// Headers forking more than this many blocks below bitcoind's tip are first checked by a
    /// presync pass that keeps no headers, and stored only once their work is proven
    /// (altnet.conf `maxforkdepth`; 2,016 blocks, one retarget period on main).
    public var maxForkDepth: Int = 2_016
    /// How long the fan-out's header phase may take in all (every source, every round).
    public var headerPhaseTimeout: Duration = .seconds(120)
    /// Once one source completed a better chain, how long the others may still answer (one of
    /// them may have even more work).
    public var fanoutGrace: Duration = .seconds(2)
    /// Headers held by one rescue across all its sources.
    public var maxHeadersTotal: Int = 400_000
    /// Waits before an inconclusive (or failed) rescue of an open anomaly is tried again: the
    /// drivers' own backoff schedule (doubling from 10 s to 10 minutes, 20% jitter), never parking.
    public var retryPolicy = RestartPolicy(baseDelay: .seconds(10), maxDelay: .seconds(600), jitter: 0.2, parkAfter: .max)
    /// How often the loop looks for a peer announcing a height above bitcoind's tip.
    public var signalInterval: Duration = .seconds(5)
    /// While bitcoind's headers are ahead of its blocks, how long to watch whether its block
    /// count moves (it is still downloading) before treating the blocks as withheld.
    public var syncProbe: Duration = .seconds(2)
    /// How long a peer stays demoted after withholding a chain another source proved.
    public var demotionTTL: Duration = .seconds(86_400)
    /// A peer that answered "nothing better" while a proven chain's tip was older than this is
    /// taken to have known it, when a later answer of its own carries that chain.
    public var withholdGrace: Duration = .seconds(1_200)
    /// How often ``AltLogicValidation/crossCheck()`` runs on its own (altnet.conf `crosscheckseconds`).
    public var crossCheckInterval: Duration = .seconds(600)
    /// One `getheaders` round through a driver (request and reply).
    public var requestTimeout: Duration = .seconds(20)
    /// One block fetch through the drivers (every driver tried within it).
    public var blockTimeout: Duration = .seconds(60)
    /// Blocks being fetched at once (asked, not yet answered).
    public var maxBlocksInFlight: Int = 16
    /// Blocks a rescue holds that bitcoind has not taken yet: being fetched, fetched and waiting
    /// for their turn in chain order, or being submitted (at least ``maxBlocksInFlight``). With
    /// blocks of at most 4 MB (``Block/maxSerializedSize``) a rescue's blocks take at most
    /// 32 × 4 MB = 128 MB, plus its stash of blocks that came on another request's answer and
    /// whose fetch has not taken them yet (at most 4 × ``maxBlocksInFlight``).
    public var maxBlocksHeld: Int = 32
    /// Headers one rescue holds in memory (the alternative chain above the anchor).
    public var maxHeadersHeld: Int = 200_000
    /// How long to wait for bitcoind's tip to reach the new tip after the last `submitblock`.
    public var tipWatchTimeout: Duration = .seconds(60)
    /// Drivers asked in parallel for each block; the first valid answer wins.
    public var blockFetchWidth: Int = 2
    /// Fetch attempts per block before the rescue gives up.
    public var blockAttempts: Int = 3
    /// `getheaders` rounds per rescue (2,000 headers each at most).
    public var maxHeaderRounds: Int = 500
    /// The whole rescue, end to end.
    public var rescueTimeout: Duration = .seconds(1_800)
    /// Reports kept for ``AltLogicValidation/recentReports()``.
    public var reportHistory: Int = 64

    public init() {}
}
