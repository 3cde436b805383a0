/// Exponential backoff with jitter: the one retry schedule of the tree (driver restarts and
/// rescue retries in Altstack's ``RestartPolicy``, Lightning and BIP324 reconnects, emergency
/// re-broadcasts, getblockfrompeer polling). Pure; the random draw is injected.
///
/// ```
///  attempt:   1      2      3      4    ...   n
///  delay:   base  2·base 4·base 8·base ... cap     (each × 1 ± jitter, then at most cap)
/// ```
public struct Backoff: Sendable, Hashable {
    /// The first delay.
    public let base: Duration
    /// The longest delay (raised to `base` when smaller).
    public let cap: Duration
    /// The fraction of each delay added or removed at random, 0 to 1 (0.2: 0.8 to 1.2 times).
    public let jitter: Double
    /// Delays taken since the last ``reset()``.
    public private(set) var attempt = 0

    public init(base: Duration, cap: Duration, jitter: Double = 0) {
        self.base = base
        self.cap = max(cap, base)
        self.jitter = min(max(jitter, 0), 1)
    }

    /// The delay before attempt `n` without jitter: `base · 2^(n−1)`, at most `cap`.
    /// - Parameter n: the attempt, from 1 (smaller values count as 1).
    public func delay(attempt n: Int) -> Duration {
        let exponent = min(max(n - 1, 0), 30)
        let grown = base * (1 << exponent)
        return grown > cap ? cap : grown
    }

    /// The delay before attempt `n` with jitter: ``delay(attempt:)`` times `1 + jitter·(2·random − 1)`,
    /// at most `cap`.
    /// - Parameters:
    ///   - n: the attempt, from 1.
    ///   - random: a draw in 0..<1.
    public func delay(attempt n: Int, random: Double) -> Duration {
        let spread = 1 + jitter * (2 * random - 1)
        let jittered = delay(attempt: n) * max(spread, 0)
        return jittered > cap ? cap : jittered
    }

    /// Counts an attempt and returns the delay before it.
    /// - Parameter random: a draw in 0..<1 (the system's generator unless injected).
    public mutating func next(random: Double = Double.random(in: 0..<1)) -> Duration {
        attempt += 1
        return delay(attempt: attempt, random: random)
    }

    /// Whether the last delay returned had grown to the cap (before jitter).
    public var atCap: Bool { attempt > 0 && delay(attempt: attempt) >= cap }

    /// Starts again from `base` (the last connection stayed up long enough).
    public mutating func reset() { attempt = 0 }
}
