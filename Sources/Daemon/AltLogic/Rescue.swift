import BitcoinPrimitives
import DriverProtocol
import Foundation
import HeaderChain
import Logging

/// Ends a rescue early with its outcome.
struct RescueStop: Error {
    let outcome: RescueOutcome
}

/// One rescue attempt, start to finish:
///
/// ```
///  guards: bitcoind in IBD or still fetching blocks ─► bitcoind-syncing
///  bitcoind has headers-only tip with more work? ─yes─► fetch its blocks ─► ... (below)
///  fan-out: getheaders to several peers of every driver ─► one HeaderChain per source
///        │    (deep forks: presync first, stored only once their work is proven)
///        ▼
///  best valid chain > bitcoind's best header? ─no─► quorum ? no-better-chain : inconclusive
///        │ yes                                          (or invalid-headers)
///  >= minimum chain work? ─no─► below-minimum-work
///        ▼
///  submitheader (in order) ─► getdata blocks (sources that claimed them, fastest first)
///        ─► check ─► submitblock (in order) ─► watch bitcoind's tip ─► caught-up | failed: ...
/// ```
struct Rescue {
    let view: BitcoindChainView
    let router: any HeaderRouter
    let config: AltLogicConfig
    let logger: Logger
    let clock: any AltLogicClock
    let startedAt: Duration
    let deadline: Duration
    var report: RescueReport
    /// Peer standing (demotions), read for the choice and updated from the answers.
    var standing: PeerStanding
    var random: SplitMix64
    /// Chain tips seen, for ``AltLogicValidation/altChainTips()``.
    var tipsSeen: [AltChainTip] = []

    init(backend: any ChainBackend, router: any HeaderRouter, params: ChainParams, config: AltLogicConfig, logger: Logger,
         clock: any AltLogicClock, standing: PeerStanding, random: SplitMix64, trigger: String, anomalyID: UInt64?) {
        view = BitcoindChainView(backend: backend, params: params)
        self.router = router
        self.config = config
        self.logger = logger
        self.clock = clock
        self.standing = standing
        self.random = random
        startedAt = clock.now()
        deadline = startedAt + config.rescueTimeout
        report = RescueReport(trigger: trigger, anomalyID: anomalyID, started: clock.wallTime())
    }

    var backend: any ChainBackend { view.backend }
    var params: ChainParams { view.params }

    var elapsedMs: Double { Self.milliseconds(clock.now() - startedAt) }

    static func milliseconds(_ d: Duration) -> Double {
        Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
    }

    func checkDeadline() throws(RescueStop) {
        if clock.now() >= deadline { throw RescueStop(outcome: .failed("rescue timed out")) }
    }

    /// The least work a chain must have before anything of it reaches bitcoind.
    var minimumChainWork: UInt256 { config.minimumChainWork ?? params.minimumChainWork }

    /// Runs the rescue.
    /// - Returns: the report, with its outcome.
    mutating func run() async -> RescueReport {
        do {
            report.outcome = try await attempt()
        } catch let stop as RescueStop {
            report.outcome = stop.outcome
        } catch {
            report.outcome = .failed("\(error)")
        }
        if let state = try? await backend.chainState() {
            report.tipAfter = state.tipHash.displayHex
            report.heightAfter = state.tipHeight
        }
        report.finished = clock.wallTime()
        return report
    }

    private mutating func attempt() async throws -> RescueOutcome {
        let state = try await guardedState()
        report.tipBefore = state.tipHash.displayHex
        report.heightBefore = state.tipHeight
        // bitcoind may already know the better chain's headers without their blocks: fetch those.
        if let known = try await knownHeadersPath(above: state), let best = known.last {
            report.altTip = best.hash.displayHex
            report.altHeight = best.height
            report.betterChainSeen = true
            logger.notice("bitcoind has the headers of a better chain but not its blocks; fetching them over altnet", metadata: [
                "alt_tip": "\(best.hash)", "alt_height": "\(best.height)", "tip": "\(state.tipHash)", "height": "\(state.tipHeight)",
                "blocks": "\(known.count)",
            ])
            do {
                try await fetchAndSubmitBlocks(known, claimedBy: { _ in [] })
                return try await watchTip(best)
            } catch let stop as RescueStop {
                // Blocks nobody serves must not keep every later rescue from asking for headers.
                logger.warning("the known headers' blocks could not be fetched; asking the drivers for headers",
                               metadata: ["reason": "\(stop.outcome)"])
                try checkDeadline()
            }
        }
        let fanout = try await fanOut(from: state)
        logSources()
        guard let best = fanout.best else { return verdictWithoutBetterChain() }
        let tip = best.chain.tip
        report.altTip = tip.hash.displayHex
        report.altHeight = tip.height
        // bitcoind may have moved meanwhile: compare with what it holds now.
        let now = try await backend.chainState()
        guard tip.chainWork > now.bestHeaderWork else {
            logger.info("altnet's best chain has no more work than bitcoind's best header", metadata: [
                "alt_tip": "\(tip.hash)", "alt_height": "\(tip.height)", "tip": "\(now.tipHash)", "height": "\(now.tipHeight)",
            ])
            return verdictWithoutBetterChain()
        }
        guard tip.chainWork >= minimumChainWork else {
            logger.warning("a better chain over altnet is below the network's minimum chain work; nothing submitted", metadata: [
                "alt_tip": "\(tip.hash)", "alt_height": "\(tip.height)", "alt_work": "\(tip.chainWork.bigEndianHex)",
                "minimum_work": "\(minimumChainWork.bigEndianHex)",
            ])
            return .belowMinimumWork
        }
        report.betterChainSeen = true
        logger.notice("a better chain over altnet", metadata: [
            "alt_tip": "\(tip.hash)", "alt_height": "\(tip.height)", "tip": "\(now.tipHash)", "height": "\(now.tipHeight)",
            "sources": "\(fanout.claimants.map(\.key).joined(separator: ","))",
        ])
        noteWithholders(proven: tip, by: fanout)
        let path = try await missingPath(best.chain)
        try await submitHeaders(path)
        try await fetchAndSubmitBlocks(path, claimedBy: { [fanout] hash in fanout.claimants(of: hash) })
        return try await watchTip(tip)
    }

    /// What the answers add up to when no source had a better chain (the quorum rule).
    func verdictWithoutBetterChain() -> RescueOutcome {
        let quorum = Quorum(required: config.quorum)
        let nothingBetter = report.sources.filter { $0.answer == .nothingBetter }.map(SourceCandidate.init(reported:))
        if quorum.isMet(by: nothingBetter) { return .noBetterChain }
        let answered = report.sources.filter { $0.answer != .noAnswer }
        if !answered.isEmpty, answered.allSatisfy({ $0.answer == .invalid }) { return .invalidHeaders }
        if report.sources.isEmpty { return .noEligibleDriver }
        return .inconclusive
    }

    /// One log line per source: what it answered (debug for routine cross-checks, which run
    /// after every block).
    func logSources() {
        let level: Logger.Level = report.trigger == "crosscheck" ? .debug : .info
        for source in report.sources {
            logger.log(level: level, "fan-out source answered", metadata: [
                "driver": "\(source.driver)", "peer": "\(LogText.escaped(source.peer, limit: 80))", "group": "\(source.group)",
                "answer": "\(source.answer.rawValue)", "headers": "\(source.headers)",
                "tip_height": "\(source.tipHeight.map(String.init) ?? "-")",
                "fork_height": "\(source.forkHeight.map(String.init) ?? "-")",
                "detail": "\(LogText.escaped(source.detail ?? "", limit: 200))",
            ])
        }
    }

    // MARK: bitcoind side

    /// The best chain's headers above the last one on bitcoind's active chain, oldest first.
    /// Active-chain membership is a prefix of the path, so a binary search finds the fork.
    private func missingPath(_ chain: HeaderChain) async throws -> [ValidatedHeader] {
        let anchorHeight = chain.anchor.height
        var path: [ValidatedHeader] = []
        path.reserveCapacity(chain.tip.height - anchorHeight)
        for height in (anchorHeight + 1)...chain.tip.height {
            guard let header = chain.header(atHeight: height) else { break }
            path.append(header)
        }
        var lo = -1, hi = path.count
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            let status = try await backend.headerStatus([path[mid].hash]).first ?? nil
            if let status, status.onActiveChain { lo = mid } else { hi = mid }
        }
        return Array(path[hi...])
    }

    /// `submitheader` for each header, in order: the first alone (so bitcoind knows of the better
    /// chain at once), the rest in batches.
    private mutating func submitHeaders(_ path: [ValidatedHeader]) async throws {
        var index = 0
        while index < path.count {
            try checkDeadline()
            let chunk = path[index..<min(index + (index == 0 ? 1 : 1_000), path.count)]
            let answers = try await backend.submitHeaders(chunk.map(\.header))
            for (header, answer) in zip(chunk, answers) {
                if let reason = answer {
                    throw RescueStop(outcome: .failed("bitcoind refused header \(header.hash) at \(header.height): \(reason)"))
                }
                report.headersSubmitted += 1
            }
            if index == 0 { report.firstHeaderMs = elapsedMs }
            index += chunk.count
        }
    }

    /// Polls bitcoind until the alternative tip is on its active chain.
    private mutating func watchTip(_ best: ValidatedHeader) async throws -> RescueOutcome {
        let until = clock.now() + config.tipWatchTimeout
        while true {
            if let status = try await backend.headerStatus([best.hash]).first ?? nil, status.onActiveChain {
                report.caughtUpMs = elapsedMs
                return .caughtUp
            }
            guard clock.now() < until else {
                return .failed("bitcoind's tip did not reach \(best.hash) within \(config.tipWatchTimeout)")
            }
            try await clock.sleep(for: .milliseconds(20))
        }
    }
}
