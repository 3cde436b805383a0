import Foundation

/// The clocks a rescue reads, injected so the rules can be tested without waiting: a monotonic
/// clock for deadlines and backoffs, and wall time for header timestamps (the two-hour
/// future-time rule) and reports.
public protocol AltLogicClock: Sendable {
    /// Monotonic time since an arbitrary start.
    func now() -> Duration
    /// Seconds since 1970.
    func wallTime() -> Double
    /// Sleeps for `duration` of this clock's time.
    func sleep(for duration: Duration) async throws
}

/// The system's clocks: `ContinuousClock` and `Date`.
public struct SystemClock: AltLogicClock {
    private let origin = ContinuousClock.now

    public init() {}

    public func now() -> Duration { ContinuousClock.now - origin }
    public func wallTime() -> Double { Date().timeIntervalSince1970 }
    public func sleep(for duration: Duration) async throws { try await Task.sleep(for: duration) }
}
