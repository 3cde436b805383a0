import BitcoinPrimitives
import Foundation

/// The stale-tip rule replayed over a run of real block times: how often
/// ``StaleTipDetector`` would have raised on a healthy chain. Pure.
///
/// Each inter-block gap is handed to ``StaleTipDetector/detect(tipSince:tipHash:height:now:config:)``
/// as "the tip arrived at the earlier block's time and the next one at the later block's", so
/// the thresholds are the detector's own, not a copy. A gap counts when the detector returns
/// its finding at the end of the gap, that is when the gap is at or above the threshold: a
/// watchdog whose timer runs often enough raises exactly then, once per gap (the tracker dedups).
///
/// Header timestamps stand in for arrival times. They are miners' clocks: Core accepts a header
/// up to 2 hours ahead (`MAX_FUTURE_BLOCK_TIME`) and above the median of the previous 11
/// (`GetMedianTimePast`), so consecutive times can go backwards. A negative gap is replayed as 0
/// (the next block arrived at once) and counted in ``negativeGaps``; the gap after it is then
/// measured from the earlier timestamp, which lengthens it. So the replay shows the detector
/// against the chain's real spacing, not the exact arrival times a node saw.
public struct StaleTipReplay: Sendable, Equatable {
    /// Gaps replayed: one fewer than the block times.
    public var gaps: Int
    /// Gaps whose later timestamp was before the earlier one, replayed as 0 s.
    public var negativeGaps: Int
    /// Gaps at which the detector raised the critical ``AnomalyKind/staleTip``.
    public var staleAlarms: Int
    /// Gaps at which it raised the ``AnomalyKind/staleTipEarly`` warning.
    public var earlyWarnings: Int
    /// The longest gap in seconds (after negatives are set to 0).
    public var longestGap: Double
    /// Seconds from the first block's timestamp to the last's.
    public var spanSeconds: Double
    /// The stale and early thresholds used (``WatchdogConfig/effectiveStaleTipSeconds`` and
    /// ``WatchdogConfig/effectiveEarlyWarningSeconds``), for the record.
    public var staleThresholdSeconds: Double
    public var earlyThresholdSeconds: Double
    /// ``WatchdogConfig/blocksPerYear``: 52,560 at 600 s.
    public var blocksPerYear: Double

    /// Replays every gap of `blockTimes` through the detector.
    ///
    /// - Parameters:
    ///   - blockTimes: consecutive blocks' header timestamps (Unix seconds), in chain order.
    ///   - config: the watchdog's thresholds (default: the shipped defaults).
    public init(blockTimes: [Int64], config: WatchdogConfig = WatchdogConfig()) {
        gaps = max(blockTimes.count - 1, 0)
        negativeGaps = 0
        staleAlarms = 0
        earlyWarnings = 0
        longestGap = 0
        spanSeconds = blockTimes.count > 1 ? Double(blockTimes[blockTimes.count - 1] - blockTimes[0]) : 0
        staleThresholdSeconds = config.effectiveStaleTipSeconds
        earlyThresholdSeconds = config.effectiveEarlyWarningSeconds
        blocksPerYear = config.blocksPerYear
        guard blockTimes.count > 1 else { return }
        for index in 1..<blockTimes.count {
            var gap = blockTimes[index] - blockTimes[index - 1]
            if gap < 0 {
                negativeGaps += 1
                gap = 0
            }
            longestGap = max(longestGap, Double(gap))
            let tipSince = Date(timeIntervalSince1970: Double(blockTimes[index - 1]))
            let findings = StaleTipDetector.detect(
                tipSince: tipSince, tipHash: .zero, height: index - 1,
                now: tipSince.addingTimeInterval(Double(gap)), config: config)
            if findings.contains(where: { $0.kind == .staleTip }) { staleAlarms += 1 }
            if findings.contains(where: { $0.kind == .staleTipEarly }) { earlyWarnings += 1 }
        }
    }

    /// Stale-tip alarms scaled to a year of ``blocksPerYear`` gaps (52,560): the unit the
    /// threshold is derived in (``WatchdogConfig/derivedStaleTipSeconds`` aims at 1).
    public var staleAlarmsPerYear: Double { perYear(staleAlarms) }

    /// Early warnings scaled the same way (the Poisson model expects 52,560 x e^-3 = 2,617).
    public var earlyWarningsPerYear: Double { perYear(earlyWarnings) }

    /// Stale-tip alarms scaled by the time the run covers (365 days over ``spanSeconds``)
    /// instead: higher than ``staleAlarmsPerYear`` when blocks came faster than 600 s.
    public var staleAlarmsPerYearByTime: Double {
        spanSeconds > 0 ? Double(staleAlarms) * 365 * 86_400 / spanSeconds : 0
    }

    private func perYear(_ count: Int) -> Double {
        gaps > 0 ? Double(count) * blocksPerYear / Double(gaps) : 0
    }
}
