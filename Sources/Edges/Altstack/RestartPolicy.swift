import BitcoinPrimitives

/// When to restart a driver that died, and when to give up on it. Pure; randomness injected.
///
/// A failure is *early* when the driver died before completing the handshake or before it had
/// been ready for `stableUptime`. Early failures in a row grow the delay exponentially
/// (BitcoinPrimitives' ``Backoff``: `baseDelay * 2^(n-1)`, +/- `jitter` so that many drivers do
/// not restart in lockstep, at most `maxDelay`); `parkAfter` of them park the driver: it is
/// reported, not restarted until `parkedRetry` has passed (or `altnet-cli restartdriver NAME`); a
/// retried driver that fails early again is parked again at once. A driver that stayed up for
/// `stableUptime` starts again from a clean slate.
public struct RestartPolicy: Sendable, Hashable {
    public var baseDelay: Duration
    public var maxDelay: Duration
    /// Fraction of the delay added or removed at random, 0 to 1.
    public var jitter: Double
    public var stableUptime: Duration
    /// Early failures in a row that park the driver.
    public var parkAfter: Int
    /// How long a parked driver waits before one more try (a fixed build or a freed port may
    /// let it start now).
    public var parkedRetry: Duration

    public init(
        baseDelay: Duration = .milliseconds(100), maxDelay: Duration = .seconds(60), jitter: Double = 0.2,
        stableUptime: Duration = .seconds(10), parkAfter: Int = 8, parkedRetry: Duration = .seconds(600)
    ) {
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.jitter = jitter
        self.stableUptime = stableUptime
        self.parkAfter = parkAfter
        self.parkedRetry = parkedRetry
    }

    /// What to do after a failure.
    public enum Decision: Sendable, Hashable {
        case restart(after: Duration)
        case park
    }

    /// - Parameters:
    ///   - earlyFailures: early failures in a row, this one included (at least 1).
    ///   - random: a value in 0..<1 (injected for tests).
    /// - Returns: restart after a delay, or park.
    public func decide(earlyFailures: Int, random: Double) -> Decision {
        if earlyFailures >= parkAfter { return .park }
        return .restart(after: Backoff(base: baseDelay, cap: maxDelay, jitter: jitter).delay(attempt: earlyFailures, random: random))
    }
}
