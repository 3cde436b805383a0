import BitcoinPrimitives
import Foundation

/// A headers-only or valid-headers branch with more work than the active tip that does not get
/// connected in time: bitcoind knows of a better chain but does not (or cannot) get its blocks.
/// Pure.
public enum UnconnectedBranchDetector {
    /// The best tip bitcoind has headers for but has not connected, if it beats the active tip.
    ///
    /// Compares `chainwork` when the observer fetched it; for a tip without it, more height is
    /// taken as more work (true unless difficulty differs a lot between the branches).
    /// - Parameter observation: one poll.
    /// - Returns: the branch tip with the most work above the active tip, or nil.
    public static func betterBranch(in observation: ChainObservation) -> ChainTipObservation? {
        let candidates = observation.tips.filter { tip in
            guard tip.status == .headersOnly || tip.status == .validHeaders,
                  tip.hash != observation.bestBlockHash else { return false }
            if let work = tip.chainWork { return work > observation.chainWork }
            return tip.height > observation.height
        }
        return candidates.max { a, b in
            if let wa = a.chainWork, let wb = b.chainWork, wa != wb { return wa < wb }
            return a.height < b.height
        }
    }

    /// - Parameters:
    ///   - observation: the latest poll.
    ///   - betterBranchSince: since when a better unconnected branch has been seen continuously
    ///     (nil if none now).
    ///   - now: the evaluation time.
    ///   - config: ``WatchdogConfig/unconnectedBranchSeconds``.
    /// - Returns: a critical ``AnomalyKind/unconnectedBranch`` once the branch has waited too long.
    public static func detect(observation: ChainObservation, betterBranchSince: Date?, now: Date, config: WatchdogConfig) -> [Finding] {
        guard let since = betterBranchSince, let tip = betterBranch(in: observation) else { return [] }
        let waited = now.timeIntervalSince(since)
        guard waited >= config.unconnectedBranchSeconds else { return [] }
        return [Finding(
            kind: .unconnectedBranch, severity: .critical,
            reason: "a \(tip.status.rpcName) branch with more work than the active tip (height \(tip.height) vs \(observation.height)) has not been connected for \(Int(waited)) s",
            evidence: [
                "branch_tip": tip.hash.displayHex, "branch_height": String(tip.height),
                "branch_length": String(tip.branchLength), "branch_status": tip.status.rpcName,
                "branch_work": tip.chainWork.map(\.description) ?? "unknown",
                "active_tip": observation.bestBlockHash.displayHex, "active_height": String(observation.height),
                "active_work": observation.chainWork.description, "seconds_unconnected": String(Int(waited)),
            ])]
    }
}
