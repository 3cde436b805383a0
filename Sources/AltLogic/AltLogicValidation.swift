import Altstack
import BitcoinPrimitives
import BitcoindRPC
import Foundation
import Logging

/// Seed 001's AltLogicValidation: when bitcoind's view of the chain looks wrong (a watchdog
/// anomaly, `altnet-cli fetchheaders`, or the periodic cross-check), fetch headers through the
/// drivers, validate them against bitcoind's own chain, and when they carry more work, hand
/// headers and blocks to bitcoind until its tip reaches them.
///
/// One rescue runs at a time; a request while one runs waits for it and gets its report.
public actor AltLogicValidation {
    let altstack: Altstack
    let bitcoind: BitcoindRPCClient
    let params: ChainParams
    let config: AltLogicConfig
    let logger: Logger
    let view: BitcoindChainView
    private var reports: [RescueReport] = []
    private var tips: [AltChainTip] = []
    private var running: Task<(RescueReport, [AltChainTip]), Never>?

    /// Most tips kept for ``altChainTips()``.
    static let tipHistory = 32

    /// - Parameters:
    ///   - altstack: the drivers.
    ///   - bitcoind: the local bitcoind.
    ///   - chain: the network's rules.
    ///   - config: bounds and timers.
    ///   - logger: where rescues are narrated.
    public init(altstack: Altstack, bitcoind: BitcoindRPCClient, chain: ChainParams,
                config: AltLogicConfig = .init(), logger: Logger) {
        self.altstack = altstack
        self.bitcoind = bitcoind
        self.params = chain
        self.config = config
        self.logger = logger
        view = BitcoindChainView(rpc: bitcoind, params: chain)
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
        let (altstack, view, config, logger) = (altstack, view, config, logger)
        let task = Task.detached {
            var rescue = Rescue(altstack: altstack, view: view, config: config, logger: logger,
                                trigger: trigger, anomalyID: anomalyID)
            let report = await rescue.run()
            return (report, rescue.tipsSeen)
        }
        running = task
        let (report, seen) = await task.value
        running = nil
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

    private func record(_ report: RescueReport, _ seen: [AltChainTip]) {
        reports.append(report)
        if reports.count > config.reportHistory { reports.removeFirst(reports.count - config.reportHistory) }
        for tip in seen {
            tips.removeAll { $0.hash == tip.hash }
            tips.append(tip)
        }
        if tips.count > Self.tipHistory { tips.removeFirst(tips.count - Self.tipHistory) }
        let nanos = Int64((report.finished - report.started) * 1e9)
        AltLogicMetrics.rescue(outcome: report.outcome, trigger: report.trigger)
        AltLogicMetrics.rescueDuration(nanoseconds: max(0, nanos), outcome: report.outcome)
        let metadata: Logger.Metadata = [
            "trigger": "\(report.trigger)", "outcome": "\(report.outcome)",
            "headers": "\(report.headersReceived)", "blocks": "\(report.blocksSubmitted)",
            "drivers": "\(report.drivers.joined(separator: ","))",
            "height_before": "\(report.heightBefore.map(String.init) ?? "?")",
            "height_after": "\(report.heightAfter.map(String.init) ?? "?")",
        ]
        if report.outcome.hasPrefix("failed") || report.outcome == RescueReport.Outcome.invalidHeaders {
            logger.warning("rescue finished", metadata: metadata)
        } else {
            logger.info("rescue finished", metadata: metadata)
        }
    }
}
