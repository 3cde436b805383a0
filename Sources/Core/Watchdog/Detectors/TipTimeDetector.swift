import Foundation

/// The tip's timestamp is far behind the clock while bitcoind says it is synced
/// (`initialblockdownload` false). Pure.
public enum TipTimeDetector {
    /// - Parameters:
    ///   - observation: the latest poll.
    ///   - now: the evaluation time (wall clock).
    ///   - config: ``WatchdogConfig/effectiveTipTimeBehindSeconds``.
    /// - Returns: a warning ``AnomalyKind/tipTimeBehind``, or nothing.
    public static func detect(observation: ChainObservation, now: Date, config: WatchdogConfig) -> [Finding] {
        guard !observation.initialBlockDownload else { return [] }
        let behind = now.timeIntervalSince(observation.tipTime)
        let limit = config.effectiveTipTimeBehindSeconds
        guard behind >= limit else { return [] }
        return [Finding(
            kind: .tipTimeBehind, severity: .warning,
            reason: "bitcoind reports it is synced but its tip is timestamped \(Int(behind)) s ago (limit \(Int(limit)) s)",
            evidence: [
                "tip": observation.bestBlockHash.displayHex, "height": String(observation.height),
                "tip_time": String(Int(observation.tipTime.timeIntervalSince1970)),
                "seconds_behind": String(Int(behind)), "initialblockdownload": "false",
            ])]
    }
}
