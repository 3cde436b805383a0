import BitcoinPrimitives

/// Bitcoin Core's headers presync (src/headerssync.cpp, started from net_processing.cpp's
/// `TryLowWorkHeadersSync`), sized for altnet: it checks a run of headers from a trusted
/// ``ChainAnchor`` and counts their cumulative work in constant memory, so a long chain can be
/// proven to carry enough work before any of it is stored.
///
/// ## Use
/// A chain that forks deep below the node's tip (or one from a source not yet trusted) is first
/// presynced, then fetched again into a ``HeaderChain``:
///
/// 1. Anchor at the fork point (bitcoind's header there, with its chain work and, for
///    median-time-past, its 10 ancestors), and decide the work needed: more than bitcoind's best
///    known header and at least ``ChainParams/minimumChainWork``.
/// 2. `var presync = HeadersPresync(params: params, anchor: anchor)`; ask the source for headers
///    with `presync.locator`, ``feed(_:now:)`` each batch, repeat while batches come back full.
///    A throw ends the presync: the chain is invalid (or, for
///    ``HeaderRejection/Rule/doesNotConnect(previous:)``, the source changed its chain).
/// 3. Once ``chainWork`` reaches the needed work, stop and fetch the same chain again from the
///    anchor into `HeaderChain(params:anchor:)`, which checks every rule and stores it. If the
///    source's chain ends first, its work is too low: refuse it, having stored nothing.
///
/// The second download should be bounded by what the presync saw (about ``height`` minus the
/// anchor's height headers, e.g. through ``HeaderChain/Limits/maxHeadersPerSource``) and should
/// reach the needed work: unlike Core, the presync keeps no commitments to the headers it saw, so
/// a source that serves another chain the second time is caught only by HeaderChain's checks and
/// that bound.
///
/// ## Checks
/// Per header, in HeaderChain's order: nBits is a valid target within powLimit and the hash meets
/// it; it extends the last header fed (the anchor at first); its nBits is a transition Core's
/// `PermittedDifficultyTransition` permits
/// (``DifficultyRules/isPermittedTransition(params:height:oldBits:newBits:)``); its time is after
/// the median of the previous 11 (a ``MedianTimeWindow``); BIP94's timewarp limit; at most two
/// hours ahead of `now`; the BIP34/66/65 version floors. These are the same functions HeaderChain
/// calls.
///
/// What it does not check, compared with ``HeaderChain``:
/// - The exact nBits. Only the permitted transition: within 4x of the previous target at a
///   retarget height, unchanged elsewhere, and anything on networks that allow min-difficulty
///   blocks (testnet3, testnet4, regtest), where difficulty is not checked at all (each header's
///   proof of work against its own nBits still is). The retarget from the period's timestamps and
///   testnet's 20-minute rule need headers it does not keep.
/// - Branches: it follows one run; a header that does not extend the last one is refused, even
///   one already seen.
/// - Caps: there is nothing to cap. The time spent is the caller's to bound. The length is bounded
///   by the time rules themselves: median-time-past must rise every 6 headers, so a valid run has
///   at most about 6 headers per second between the anchor's median time and `now` + 2 hours
///   (the bound Core's presync uses for its commitments).
///
/// ## Memory
/// The state is fixed-size: the last header's hash, nBits and time, the last 11 timestamps
/// inline, the height, the work, and the last nBits' target; no header is kept and nothing grows
/// with the headers fed (`MemoryLayout<HeadersPresync>.size` is all of it, beside the shared
/// ``ChainParams``).
public struct HeadersPresync: Sendable {
    /// The network's rules.
    public let params: ChainParams
    /// Where the run starts: the anchor's hash and height.
    public let anchorHash: BlockHash
    public let anchorHeight: Int
    /// The height of the last header fed (the anchor's before any).
    public private(set) var height: Int
    /// Cumulative work from genesis through the last header fed, the anchor's chain work included.
    public private(set) var chainWork: UInt256
    /// The hash of the last header fed (the anchor's before any).
    public private(set) var lastHash: BlockHash
    /// The last header's nBits and time, for the transition and timewarp checks.
    private var lastBits: UInt32
    private var lastTime: UInt32
    /// The last (up to) 11 timestamps, for median-time-past.
    private var timestamps: MedianTimeWindow
    private var proofOfWork: ProofOfWorkCheck

    /// - Parameters:
    ///   - params: the network's rules.
    ///   - anchor: the trusted start; its last 10 ancestors, if given, seed median-time-past
    ///     (without them it uses the timestamps it has, as Core does near genesis).
    public init(params: ChainParams, anchor: ChainAnchor) {
        self.params = params
        anchorHash = anchor.header.hash
        anchorHeight = anchor.height
        height = anchor.height
        chainWork = anchor.chainWork
        lastHash = anchorHash
        lastBits = anchor.header.bits
        lastTime = anchor.header.time
        var timestamps = MedianTimeWindow(anchor.ancestors.suffix(ChainParams.medianTimeSpan - 1).map(\.time))
        timestamps.append(anchor.header.time)
        self.timestamps = timestamps
        proofOfWork = ProofOfWorkCheck(powLimit: params.powLimit)
    }

    /// Headers checked since the anchor.
    public var count: Int { height - anchorHeight }

    /// Timestamps held for median-time-past: at most ``ChainParams/medianTimeSpan`` (11).
    public var retainedTimestamps: Int { timestamps.count }

    /// The locator for the next `getheaders`: the last header fed, then the anchor (as Core's
    /// `NextHeadersRequestLocator` in presync, which continues from the last header received).
    public var locator: [BlockHash] {
        lastHash == anchorHash ? [anchorHash] : [lastHash, anchorHash]
    }

    /// Checks a batch that continues the run and adds its work. All or nothing: if a header is
    /// refused, the state is as before the batch.
    ///
    /// - Parameters:
    ///   - headers: the next headers, in chain order; the first must extend ``lastHash``.
    ///   - now: the current time in seconds since 1970 (injected clock), for the future limit.
    /// - Throws: ``HeaderRejection`` for the first header that fails a check, with its position in
    ///   the batch and (if it connects) its height.
    public mutating func feed(_ headers: [BlockHeader], now: Int64) throws(HeaderRejection) {
        var next = self
        for position in headers.indices {
            let header = headers[position]
            let hash = header.hash
            do throws(HeaderRejection.Rule) {
                try next.advance(header, hash: hash, now: now)
            } catch {
                let connects = header.previousBlockHash == next.lastHash
                throw HeaderRejection(
                    rule: error, hash: hash, height: connects ? next.height + 1 : nil, indexInBatch: position)
            }
        }
        self = next
    }

    /// Checks one header against the last and, if it passes, makes it the last.
    private mutating func advance(_ header: BlockHeader, hash: BlockHash, now: Int64) throws(HeaderRejection.Rule) {
        let work = try proofOfWork.check(bits: header.bits, hash: hash)
        guard header.previousBlockHash == lastHash else { throw .doesNotConnect(previous: header.previousBlockHash) }
        let newHeight = height + 1
        guard DifficultyRules.isPermittedTransition(
            params: params, height: newHeight, oldBits: lastBits, newBits: header.bits)
        else { throw .impermissibleDifficulty(previous: lastBits, actual: header.bits) }
        guard timestamps.admits(header.time) else { throw .timeTooOld(medianTimePast: timestamps.medianTimePast) }
        if params.breaksTimewarpLimit(height: newHeight, time: header.time, parentTime: lastTime) {
            throw .timewarp(previousTime: lastTime)
        }
        guard MedianTimePast.isWithinFutureLimit(header.time, now: now) else {
            throw .timeTooNew(limit: now + ChainParams.maxFutureBlockTime)
        }
        let minimum = params.minimumVersion(atHeight: newHeight)
        guard header.version >= minimum else { throw .badVersion(minimum: minimum) }

        height = newHeight
        chainWork = chainWork &+ work
        lastHash = hash
        lastBits = header.bits
        lastTime = header.time
        timestamps.append(header.time)
    }
}
