import AltLogic

/// The system's monotonic clock and sleep, with wall time fixed where a test chain's headers
/// need it (header times are checked against "now": two hours ahead at most).
struct ShiftedClock: AltLogicClock {
    let system = SystemClock()
    let wall: Double

    func now() -> Duration { system.now() }
    func wallTime() -> Double { wall }
    func sleep(for duration: Duration) async throws { try await system.sleep(for: duration) }
}
