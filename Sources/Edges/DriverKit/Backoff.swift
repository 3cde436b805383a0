/// Retry and reconnection delays (the Lightning driver's reconnects, the Esplora driver's retries): doubling from `base` up to `cap`, each scaled by a jitter factor and
/// never above `cap`; back to `base` after a link that stayed up (``reset()``).
///
/// ```
///  attempt:   1      2      3      4    ...   n
///  delay:   base  2·base 4·base 8·base ... cap      (each × jitter in 0.8...1.2, ≤ cap)
/// ```
public struct Backoff: Sendable {
    public let base: Duration
    public let cap: Duration
    /// The unjittered delay the next attempt waits.
    public private(set) var current: Duration
    /// Attempts since the last reset.
    public private(set) var attempt = 0
    /// True when the last delay returned had doubled up to the cap (before jitter).
    public private(set) var atCap = false

    /// - Parameters:
    ///   - base: the first delay.
    ///   - cap: the longest delay (raised to `base` when smaller).
    public init(base: Duration, cap: Duration) {
        self.base = base
        self.cap = max(cap, base)
        current = base
    }

    /// The next delay, and doubles the one after.
    /// - Parameter jitter: the factor applied to this delay (0.8...1.2 in use; injected for tests).
    /// - Returns: the delay to wait, at most `cap`.
    public mutating func next(jitter: Double) -> Duration {
        attempt += 1
        atCap = current >= cap
        let delay = min(current * jitter, cap)
        current = min(current * 2, cap)
        return delay
    }

    /// Starts again from `base` (the last link stayed up long enough).
    public mutating func reset() {
        current = base
        attempt = 0
        atCap = false
    }
}
