import BitcoinPrimitives
import Foundation
import Testing
import TestSupport
import Watchdog

/// The stale-tip rule over real mainnet block times (heights 822528 to 830592, shared data):
/// ``StaleTipReplay`` must count what ``StaleTipDetector`` itself says, gap by gap.
@Suite struct WatchdogStaleTipReplayTests {
    /// Header timestamps of the 8,065 mainnet headers.
    static func mainnetTimes() throws -> [Int64] {
        let bytes = [UInt8](try SharedData.data("data/mainnet/headers-822528-830592.bin"))
        guard bytes.count % BlockHeader.size == 0 else { throw NotHeaders(byteCount: bytes.count) }
        return try stride(from: 0, to: bytes.count, by: BlockHeader.size).map {
            Int64(try BlockHeader(bytes: bytes[$0..<($0 + BlockHeader.size)]).time)
        }
    }

    struct NotHeaders: Error { let byteCount: Int }

    /// Asks the detector about each gap directly, from a different origin (time 0) than the
    /// replay uses: (stale alarms, early warnings, negative gaps).
    static func detectorCounts(_ times: [Int64], config: WatchdogConfig) -> (stale: Int, early: Int, negative: Int) {
        var counts = (stale: 0, early: 0, negative: 0)
        for (earlier, later) in zip(times, times.dropFirst()) {
            if later < earlier { counts.negative += 1 }
            let findings = StaleTipDetector.detect(
                tipSince: Date(timeIntervalSince1970: 0), tipHash: .zero, height: nil,
                now: Date(timeIntervalSince1970: Double(max(later - earlier, 0))), config: config)
            counts.stale += findings.filter { $0.kind == .staleTip }.count
            counts.early += findings.filter { $0.kind == .staleTipEarly }.count
        }
        return counts
    }

    @Test func mainnetBlockTimesCountWhatTheDetectorCounts() throws {
        let times = try Self.mainnetTimes()
        try #require(times.count == 8_065)
        let config = WatchdogConfig()
        let replay = StaleTipReplay(blockTimes: times, config: config)
        let direct = Self.detectorCounts(times, config: config)
        #expect(replay.gaps == 8_064)
        #expect(replay.staleAlarms == direct.stale)
        #expect(replay.earlyWarnings == direct.early)
        #expect(replay.negativeGaps == direct.negative)
        // The same figures from the raw file, read independently (Python: struct.unpack_from('<I',
        // data, 80 * i + 68), gaps clamped at 0, against 600 * ln(52,560) and 1,800 s): one gap
        // of 7,303 s (the longest) passes the stale threshold, 360 the early warning, 21 gaps
        // are negative, and the timestamps span 4,696,646 s (582.4 s a block).
        #expect(replay.staleAlarms == 1)
        #expect(replay.earlyWarnings == 360)
        #expect(replay.negativeGaps == 21)
        #expect(replay.longestGap == 7_303)
        #expect(replay.spanSeconds == 4_696_646)
        #expect(abs(replay.staleAlarmsPerYear - 52_560.0 / 8_064) < 1e-9)
        #expect(abs(replay.earlyWarningsPerYear - 360 * 52_560.0 / 8_064) < 1e-9)
        print("mainnet 822528-830592: \(replay.gaps) gaps (\(replay.negativeGaps) negative, replayed as 0), "
              + "\(replay.staleAlarms) stale-tip alarm(s) at \(Int(replay.staleThresholdSeconds)) s, "
              + "\(replay.earlyWarnings) early warnings at \(Int(replay.earlyThresholdSeconds)) s; per 52,560 blocks: "
              + String(format: "%.2f and %.0f", replay.staleAlarmsPerYear, replay.earlyWarningsPerYear))
    }

    @Test func syntheticGapsAtTheThresholds() {
        let config = WatchdogConfig()
        #expect(Int(config.effectiveStaleTipSeconds) == 6_521 && config.effectiveEarlyWarningSeconds == 1_800)
        // Gaps: below early, at early, just below early, early only, stale, a negative one, then
        // one measured from the earlier timestamp.
        let gaps: [Int64] = [600, 1_800, 1_799, 6_521, 6_522, -500, 7_000]
        var times: [Int64] = [1_700_000_000]
        for gap in gaps { times.append(times[times.count - 1] + gap) }
        let replay = StaleTipReplay(blockTimes: times, config: config)
        #expect(replay.gaps == 7)
        #expect(replay.earlyWarnings == 4)
        #expect(replay.staleAlarms == 2)
        #expect(replay.negativeGaps == 1)
        #expect(replay.longestGap == 7_000)
        #expect(replay.spanSeconds == Double(gaps.reduce(0, +)))
        let direct = Self.detectorCounts(times, config: config)
        #expect(direct.stale == 2 && direct.early == 4 && direct.negative == 1)
        #expect(abs(replay.staleAlarmsPerYear - 2 * 52_560.0 / 7) < 1e-9)

        // A stricter configuration moves the counts with it: the thresholds are the detector's.
        var strict = WatchdogConfig()
        strict.staleTipSeconds = 1_799
        let strictReplay = StaleTipReplay(blockTimes: times, config: strict)
        #expect(strictReplay.staleAlarms == 5 && strictReplay.earlyWarnings == 5)
    }

    @Test func fewerThanTwoTimesHaveNoGaps() {
        for times in [[], [Int64(1_700_000_000)]] {
            let replay = StaleTipReplay(blockTimes: times)
            #expect(replay.gaps == 0 && replay.staleAlarms == 0 && replay.staleAlarmsPerYear == 0)
            #expect(replay.staleAlarmsPerYearByTime == 0)
        }
    }
}
