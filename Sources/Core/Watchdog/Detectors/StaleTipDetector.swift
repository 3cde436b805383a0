import BitcoinPrimitives
import Foundation

/// No new block for too long. Pure.
///
/// `tipSince` is when the watchdog learned of the current tip (ZMQ or RPC, whichever first),
/// not the header's timestamp, which miners may set up to 2 hours off.
public enum StaleTipDetector {
    /// - Parameters:
    ///   - tipSince: when the current tip was first seen.
    ///   - tipHash: the current tip.
    ///   - height: its height, if known (a tip only ZMQ announced has none yet).
    ///   - now: the evaluation time.
    ///   - config: thresholds (``WatchdogConfig/effectiveStaleTipSeconds`` and the early warning).
    /// - Returns: a critical ``AnomalyKind/staleTip`` past the Poisson threshold and a warning
    ///   ``AnomalyKind/staleTipEarly`` past 3x the spacing (both while both hold).
    public static func detect(tipSince: Date, tipHash: BlockHash, height: Int?, now: Date, config: WatchdogConfig) -> [Finding] {
        let gap = now.timeIntervalSince(tipSince)
        let stale = config.effectiveStaleTipSeconds
        let early = config.effectiveEarlyWarningSeconds
        guard gap >= early else { return [] }
        var findings: [Finding] = []
        let evidence = [
            "tip": tipHash.displayHex, "height": height.map(String.init) ?? "unknown",
            "seconds_since_tip": String(Int(gap)),
            "stale_threshold_seconds": String(Int(stale.rounded())),
            "early_threshold_seconds": String(Int(early.rounded())),
        ]
        if gap >= early {
            findings.append(Finding(
                kind: .staleTipEarly, severity: .warning,
                reason: "no new block for \(Int(gap)) s (more than \(Int(early)) s, \(config.earlyWarningSpacings)x the target spacing)",
                evidence: evidence))
        }
        if gap >= stale {
            let p = exp(-gap / config.targetSpacing)
            findings.append(Finding(
                kind: .staleTip, severity: .critical,
                reason: "no new block for \(Int(gap)) s (threshold \(Int(stale.rounded())) s; a healthy chain has such a gap with probability \(String(format: "%.2g", p)))",
                evidence: evidence))
        }
        return findings
    }
}
