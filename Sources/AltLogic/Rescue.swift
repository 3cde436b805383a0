import Altstack
import BitcoinPrimitives
import BitcoindRPC
import DriverProtocol
import Foundation
import HeaderChain
import Logging

/// Ends a rescue early with its outcome (``RescueReport/Outcome``).
struct RescueStop: Error {
    let outcome: String
}

/// One rescue attempt, start to finish:
///
/// ```
///  bitcoind has headers-only tip with more work? ─yes─► getdata blocks ─► ... (below)
///  bitcoind tip + locator ─► getheaders rounds (anycast, then the same peer) ─► HeaderChain
///        │                                   invalid ─► disconnectpeer, start over (bounded)
///        ▼
///  more work than bitcoind? ─no─► no-better-chain
///        │ yes
///        ▼
///  submitheader (in order) ─► getdata blocks (window, 2 drivers each) ─► check ─► submitblock (in order)
///        ▼
///  watch bitcoind's tip ─► caught-up | failed: ...
/// ```
struct Rescue {
    let altstack: Altstack
    let view: BitcoindChainView
    let config: AltLogicConfig
    let logger: Logger
    let clock = ContinuousClock()
    let startedAt: ContinuousClock.Instant
    let deadline: ContinuousClock.Instant
    var report: RescueReport
    /// Chain tips seen, for ``AltLogicValidation/altChainTips()``.
    var tipsSeen: [AltChainTip] = []

    init(altstack: Altstack, view: BitcoindChainView, config: AltLogicConfig, logger: Logger, trigger: String, anomalyID: UInt64?) {
        self.altstack = altstack
        self.view = view
        self.config = config
        self.logger = logger
        startedAt = clock.now
        deadline = startedAt + config.rescueTimeout
        report = RescueReport(trigger: trigger, anomalyID: anomalyID, started: Date())
    }

    var elapsedMs: Double {
        let d = clock.now - startedAt
        return Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
    }

    func checkDeadline() throws(RescueStop) {
        if clock.now >= deadline { throw RescueStop(outcome: RescueReport.Outcome.failed("rescue timed out")) }
    }

    /// Runs the rescue.
    /// - Returns: the report, with its outcome.
    mutating func run() async -> RescueReport {
        do {
            report.outcome = try await attempt()
        } catch let stop as RescueStop {
            report.outcome = stop.outcome
        } catch {
            report.outcome = RescueReport.Outcome.failed("\(error)")
        }
        if let tip = try? await view.tip() {
            report.tipAfter = tip.hash.displayHex
            report.heightAfter = tip.height
        }
        report.finished = Date().timeIntervalSince1970
        return report
    }

    private mutating func attempt() async throws -> String {
        let before = try await view.tip()
        report.tipBefore = before.hash.displayHex
        report.heightBefore = before.height
        // bitcoind may already know the better chain's headers without their blocks: fetch those.
        if let known = try await knownHeadersPath(above: before), let best = known.last {
            report.altTip = best.hash.displayHex
            report.altHeight = best.height
            report.betterChainSeen = true
            logger.notice("bitcoind has the headers of a better chain but not its blocks; fetching them over altnet", metadata: [
                "alt_tip": "\(best.hash)", "alt_height": "\(best.height)", "tip": "\(before.hash)", "height": "\(before.height)",
                "blocks": "\(known.count)",
            ])
            do {
                try await fetchAndSubmitBlocks(known)
                return try await watchTip(best)
            } catch let stop as RescueStop {
                // Blocks nobody serves must not keep every later rescue from asking for headers.
                logger.warning("the known headers' blocks could not be fetched; asking the drivers for headers",
                               metadata: ["reason": "\(stop.outcome)"])
                try checkDeadline()
            }
        }
        guard let chain = try await syncHeaders(from: before) else {
            return report.peersDropped.isEmpty ? RescueReport.Outcome.noBetterChain : RescueReport.Outcome.invalidHeaders
        }
        let best = chain.tip
        report.altTip = best.hash.displayHex
        report.altHeight = best.height
        // bitcoind may have moved meanwhile: compare with its tip now.
        let now = try await view.tip()
        let better = best.chainWork > now.chainWork
        tipsSeen.append(AltChainTip(
            hash: best.hash.displayHex, height: best.height, chainwork: best.chainWork.bigEndianHex,
            status: best.hash == now.hash ? "active" : (better ? "better" : "lower-work"),
            drivers: report.drivers, seen: Date().timeIntervalSince1970))
        guard better else {
            logger.info("altnet's best chain has no more work than bitcoind's", metadata: [
                "alt_tip": "\(best.hash)", "alt_height": "\(best.height)", "tip": "\(now.hash)", "height": "\(now.height)",
            ])
            return RescueReport.Outcome.noBetterChain
        }
        report.betterChainSeen = true
        logger.notice("a better chain over altnet", metadata: [
            "alt_tip": "\(best.hash)", "alt_height": "\(best.height)", "tip": "\(now.hash)", "height": "\(now.height)",
        ])
        let path = try await missingPath(chain)
        try await submitHeaders(path)
        try await fetchAndSubmitBlocks(path)
        return try await watchTip(best)
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
            let info = try await view.headerInfos([path[mid].hash]).first ?? nil
            if let info, info.confirmations >= 0 { lo = mid } else { hi = mid }
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
            let answers = try await view.rpc.batch("submitheader", chunk.map { [.hex($0.header.serialized)] }, as: RPCIgnored.self)
            for (header, answer) in zip(chunk, answers) {
                if case .failure(let error) = answer {
                    throw RescueStop(outcome: RescueReport.Outcome.failed("bitcoind refused header \(header.hash) at \(header.height): \(error)"))
                }
                report.headersSubmitted += 1
            }
            if index == 0 { report.firstHeaderMs = elapsedMs }
            index += chunk.count
        }
    }

    /// Polls bitcoind until the alternative tip is on its active chain.
    private mutating func watchTip(_ best: ValidatedHeader) async throws -> String {
        let until = clock.now + config.tipWatchTimeout
        while true {
            if let info = try await view.headerInfos([best.hash]).first ?? nil, info.confirmations >= 0 {
                report.caughtUpMs = elapsedMs
                return RescueReport.Outcome.caughtUp
            }
            guard clock.now < until else {
                return RescueReport.Outcome.failed("bitcoind's tip did not reach \(best.hash) within \(config.tipWatchTimeout)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}
