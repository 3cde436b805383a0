import Altstack
import BitcoinPrimitives
import BitcoindRPC
import Foundation
import Logging

/// Seed 001's AltLogicValidation: when bitcoind's view of the chain looks wrong (a watchdog
/// anomaly, `altnet-cli fetchheaders`, or the periodic cross-check), fetch headers from several
/// peers of every driver, validate them against bitcoind's own chain, and when the best of them
/// carries more work, hand headers and blocks to bitcoind until its tip reaches them
/// (docs/altlogic.md has the rules).
///
/// It talks to two seams: a ``ChainBackend`` (bitcoind) and a ``HeaderRouter`` (the drivers),
/// with an injected ``AltLogicClock``, so its rules run against fakes in unit tests.
/// One rescue runs at a time; a request while one runs waits for it and gets its report.
public actor AltLogicValidation {
    let backend: any ChainBackend
    let router: any HeaderRouter
    let params: ChainParams
    let config: AltLogicConfig
    let logger: Logger
    let clock: any AltLogicClock
    private var reports: [RescueReport] = []
    private var tips: [AltChainTip] = []
    private var running: Task<(RescueReport, [AltChainTip], PeerStanding), Never>?
    private var runningSince: RunningRescue?
    private var standing = PeerStanding()
    private var random: SplitMix64
    /// Why rescues are not running now (bitcoind syncing), for `getinfo`; nil when they are.
    private(set) var pausedReason: String?

    /// Most tips kept for ``altChainTips()``.
    static let tipHistory = 32

    /// - Parameters:
    ///   - backend: the local bitcoind.
    ///   - router: the drivers.
    ///   - chain: the network's rules.
    ///   - config: bounds, timers and the fan-out and quorum rules.
    ///   - clock: the clocks rescues read.
    ///   - seed: the peer choice's random seed (nil: from the system's generator).
    ///   - logger: where rescues are narrated.
    public init(backend: any ChainBackend, router: any HeaderRouter, chain: ChainParams, config: AltLogicConfig = .init(),
                clock: any AltLogicClock = SystemClock(), seed: UInt64? = nil, logger: Logger) {
        self.backend = backend
        self.router = router
        self.params = chain
        self.config = config
        self.clock = clock
        self.logger = logger
        random = seed.map(SplitMix64.init(seed:)) ?? SplitMix64()
    }

    /// The usual wiring: bitcoind over RPC, the Altstack's drivers, its broadcast feeds read from
    /// `feeds` (``FeedRouter``).
    public init(altstack: Altstack, bitcoind: BitcoindRPCClient, chain: ChainParams, config: AltLogicConfig = .init(),
                feeds: FeedInbox = FeedInbox(), logger: Logger) {
        self.init(backend: bitcoind, router: FeedRouter(altstack: altstack, inbox: feeds), chain: chain, config: config, logger: logger)
    }

    /// One rescue attempt now (an anomaly, or `altnet-cli fetchheaders`).
    /// - Parameters:
    ///   - trigger: why (an anomaly kind, `fetchheaders`, ...).
    ///   - anomalyID: the anomaly answered, if any.
    /// - Returns: what happened.
    public func rescue(trigger: String, anomalyID: UInt64? = nil) async -> RescueReport {
        if let running {
            var joined = await running.value.0
            joined.note("joined by \(trigger)")
            return joined
        }
        let (backend, router, params, config, logger, clock, standing) = (backend, router, params, config, logger, clock, standing)
        let seed = random.next()
        let task = Task.detached {
            var rescue = Rescue(backend: backend, router: router, params: params, config: config, logger: logger, clock: clock,
                                standing: standing, random: SplitMix64(seed: seed), trigger: trigger, anomalyID: anomalyID)
            let report = await rescue.run()
            return (report, rescue.tipsSeen, rescue.standing)
        }
        running = task
        runningSince = RunningRescue(trigger: trigger, anomalyID: anomalyID, started: clock.wallTime())
        let (report, seen, newStanding) = await task.value
        running = nil
        runningSince = nil
        self.standing = newStanding
        if case .bitcoindSyncing(let reason) = report.outcome { pausedReason = reason } else { pausedReason = nil }
        record(report, seen)
        return report
    }

    /// getheaders from bitcoind's tip through the drivers; a valid chain with more work than
    /// bitcoind's is reported (``RescueReport/betterChainSeen``) and acted on at once.
    /// - Returns: the report (trigger `crosscheck`).
    public func crossCheck() async -> RescueReport {
        await rescue(trigger: "crosscheck")
    }

    /// Chain tips seen over altnet, newest first.
    public func altChainTips() -> [AltChainTip] { tips.reversed() }

    /// Rescue and cross-check reports, oldest first (bounded history).
    public func recentReports() -> [RescueReport] { reports }

    /// The rescue running now, if any (its report comes with ``recentReports()`` when it ends).
    public func runningRescue() -> RunningRescue? { runningSince }

    /// Why rescues are paused (bitcoind in IBD or still downloading blocks), or nil.
    public func pauseReason() -> String? { pausedReason }

    /// Peers demoted now for withholding, as `driver/peer`.
    public func demotedPeers() -> [String] {
        let now = clock.now()
        return standing.demotedUntil.filter { $0.value > now }.keys.sorted()
    }

    private func record(_ report: RescueReport, _ seen: [AltChainTip]) {
        reports.append(report)
        if reports.count > config.reportHistory { reports.removeFirst(reports.count - config.reportHistory) }
        for tip in seen {
            tips.removeAll { $0.hash == tip.hash }
            tips.append(tip)
        }
        if tips.count > Self.tipHistory { tips.removeFirst(tips.count - Self.tipHistory) }
        let nanos = Int64((report.finished - report.started) * 1e9)
        AltLogicMetrics.rescue(outcome: report.outcome.kind, trigger: report.trigger)
        AltLogicMetrics.rescueDuration(nanoseconds: max(0, nanos), outcome: report.outcome.kind)
        let metadata: Logger.Metadata = [
            "trigger": "\(report.trigger)", "outcome": "\(report.outcome.name)",
            "headers": "\(report.headersReceived)", "blocks": "\(report.blocksSubmitted)",
            "drivers": "\(report.drivers.joined(separator: ","))",
            "sources": "\(report.sources.count)", "independent_nothing_better": "\(report.independentNothingBetter)",
            "height_before": "\(report.heightBefore.map(String.init) ?? "?")",
            "height_after": "\(report.heightAfter.map(String.init) ?? "?")",
        ]
        switch report.outcome {
        case .failed, .invalidHeaders, .belowMinimumWork: logger.warning("rescue finished", metadata: metadata)
        default: logger.info("rescue finished", metadata: metadata)
        }
    }
}

/// A rescue under way, for `getinfo` and the status page.
public struct RunningRescue: Sendable, Codable, Equatable {
    /// Why it runs: an anomaly kind, `crosscheck`, `fetchheaders`, ...
    public var trigger: String
    public var anomalyID: UInt64?
    /// Unix time in seconds (fractional).
    public var started: Double

    public init(trigger: String, anomalyID: UInt64?, started: Double) {
        self.trigger = trigger
        self.anomalyID = anomalyID
        self.started = started
    }
}
