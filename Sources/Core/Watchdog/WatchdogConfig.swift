import Foundation

/// The watchdog's thresholds. Every value has a documented default; `altnet.conf`'s
/// `[watchdog]` section maps onto it (`staletipseconds=0` means "derived").
public struct WatchdogConfig: Sendable, Equatable {
    /// Target block spacing in seconds (600 on every network but regtest, where blocks come on
    /// command; tests set the thresholds directly).
    public var targetSpacing: Double = 600
    /// Wanted stale-tip false alarms per year on a healthy chain; sets the derived threshold.
    public var staleTipFalseAlarmsPerYear: Double = 1
    /// The stale-tip threshold in seconds; 0 derives it (see ``derivedStaleTipSeconds``).
    public var staleTipSeconds: Double = 0
    /// Core's early warning: no tip update for this many target spacings (Bitcoin Core's
    /// `TipMayBeStale`: `m_last_tip_update < now - nPowTargetSpacing * 3`).
    public var earlyWarningSpacings: Double = 3
    /// Seconds a headers branch with more work than the active tip may stay unconnected.
    /// Core downloads such blocks within seconds when a peer has them.
    public var unconnectedBranchSeconds: Double = 900
    /// Fewer automatic outbound full-relay peers than this is an eclipse sign. Core aims at 8
    /// (`MAX_OUTBOUND_FULL_RELAY_CONNECTIONS`); below half of that for a whole poll is unusual.
    public var minOutboundFullRelay: Int = 4
    /// The one-network-group check needs at least this many automatic outbound peers.
    public var minOutboundForNetgroupCheck: Int = 2
    /// Warn (info) when no automatic outbound peer uses BIP324 v2 (default since Core 27).
    public var expectV2Outbound: Bool = true
    /// All-outbound replacement counts only when the previous poll had at least this many.
    public var minOutboundForReplacement: Int = 2
    /// Tip timestamp this far behind the clock while not in IBD; 0 derives it as the stale
    /// threshold plus 7,200 s (headers may be timestamped up to 2 h ahead, MAX_FUTURE_BLOCK_TIME).
    public var tipTimeBehindSeconds: Double = 0
    /// Whether a ZMQ feed is configured (feed cross-checks run only if so).
    public var zmqEnabled: Bool = true
    /// How long RPC and ZMQ may disagree about the newest block before it is an anomaly.
    public var feedLagSeconds: Double = 60
    /// How long one-off events (ZMQ gap, all outbound replaced) stay open after they happen.
    public var eventHoldSeconds: Double = 600
    /// RPC poll period; the timer also re-evaluates time-based detectors when ZMQ is silent.
    public var pollSeconds: Double = 10

    public init() {}

    /// Blocks expected per (365-day) year at ``targetSpacing``: 52,560 at 600 s.
    public var blocksPerYear: Double { 365 * 86_400 / targetSpacing }

    /// The stale-tip threshold derived from the Poisson block process.
    ///
    /// Block arrivals are a Poisson process with mean spacing s (600 s), so each inter-block
    /// gap is exponential: P(gap > T) = exp(-T/s). A healthy chain has N = blocksPerYear gaps
    /// a year and the detector raises at most one alarm per gap (the tracker dedups), so the
    /// expected number of false alarms per year is N * exp(-T/s). Setting that to the wanted
    /// rate r gives T = s * ln(N / r). For s = 600, N = 52,560, r = 1:
    /// T = 600 * ln(52,560) = 6,521.8 s, about 109 minutes. (The model ignores hashrate
    /// changes and difficulty lag, which make real gaps a little longer or shorter.)
    public var derivedStaleTipSeconds: Double {
        let rate = max(staleTipFalseAlarmsPerYear, 1e-9)
        return max(targetSpacing * log(blocksPerYear / rate), targetSpacing)
    }

    /// ``staleTipSeconds`` if set, else ``derivedStaleTipSeconds``.
    public var effectiveStaleTipSeconds: Double {
        staleTipSeconds > 0 ? staleTipSeconds : derivedStaleTipSeconds
    }

    /// The early warning threshold: ``earlyWarningSpacings`` x ``targetSpacing`` (1,800 s),
    /// never above the stale threshold.
    public var effectiveEarlyWarningSeconds: Double {
        min(earlyWarningSpacings * targetSpacing, effectiveStaleTipSeconds)
    }

    /// ``tipTimeBehindSeconds`` if set, else the stale threshold plus 7,200 s.
    public var effectiveTipTimeBehindSeconds: Double {
        tipTimeBehindSeconds > 0 ? tipTimeBehindSeconds : effectiveStaleTipSeconds + 7_200
    }
}
