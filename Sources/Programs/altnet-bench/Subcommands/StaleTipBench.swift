import ArgumentParser
import BitcoinPrimitives
import Foundation
import Watchdog

/// `altnet-bench staletip`: the watchdog's stale-tip rule replayed over the real block times of
/// mainnet heights 822528 to 830592 (``StaleTipReplay``, the same code the Watchdog test runs):
/// false alarms per year at the default thresholds, beside what the Poisson model the threshold
/// is derived from predicts (``WatchdogConfig/derivedStaleTipSeconds``).
struct StaleTipBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "staletip",
        abstract: "Stale-tip false alarms per year over real mainnet block times, beside the Poisson model.")

    @Option(help: "The shared data directory (default: $ALTNET_SHARED, else ../shared beside the current directory or the package).")
    var shared: String?

    func run() throws {
        let bytes = try SharedLocator.mainnetHeaders(explicit: shared)
        let times = try stride(from: 0, to: bytes.count, by: BlockHeader.size).map {
            Int64(try BlockHeader(bytes: bytes[$0..<($0 + BlockHeader.size)]).time)
        }
        let config = WatchdogConfig()
        let replay = StaleTipReplay(blockTimes: times, config: config)
        // Scaled per 52,560 gaps (a year of 600 s blocks), the unit the threshold is derived in.
        BenchOutput.emit("watchdog.staletip.false_alarms_per_year", replay.staleAlarmsPerYear, "alarms/year")
        BenchOutput.emit("watchdog.staletip_early.false_alarms_per_year", replay.earlyWarningsPerYear, "alarms/year")
        BenchOutput.emit("watchdog.staletip.false_alarms_per_year_by_time", replay.staleAlarmsPerYearByTime, "alarms/year")
        // The model in the same run: N e^(-T/s) with N = 52,560 and s = 600.
        BenchOutput.emit("watchdog.staletip.model_per_year", config.blocksPerYear * exp(-replay.staleThresholdSeconds / config.targetSpacing), "alarms/year")
        BenchOutput.emit("watchdog.staletip_early.model_per_year", config.blocksPerYear * exp(-replay.earlyThresholdSeconds / config.targetSpacing), "alarms/year")
        BenchOutput.emit("watchdog.staletip.alarms", Double(replay.staleAlarms), "gaps")
        BenchOutput.emit("watchdog.staletip_early.alarms", Double(replay.earlyWarnings), "gaps")
        BenchOutput.emit("watchdog.staletip.gaps", Double(replay.gaps), "gaps")
        BenchOutput.emit("watchdog.staletip.negative_gaps", Double(replay.negativeGaps), "gaps")
        BenchOutput.emit("watchdog.staletip.longest_gap_s", replay.longestGap, "s")
        BenchOutput.emit("watchdog.staletip.mean_gap_s", replay.spanSeconds / Double(max(replay.gaps, 1)), "s")
        BenchOutput.emit("watchdog.staletip.threshold_s", replay.staleThresholdSeconds, "s")
        BenchOutput.emit("watchdog.staletip_early.threshold_s", replay.earlyThresholdSeconds, "s")
    }
}
