import BitcoinPrimitives
import Testing

/// The one backoff schedule: doubling from base to cap, jitter as a factor of 1 ± jitter, never
/// above the cap, and a reset.
@Suite struct BackoffTests {
    @Test("delays double from base and stop at the cap")
    func doubles() {
        let b = Backoff(base: .milliseconds(250), cap: .seconds(3))
        #expect((1...6).map { b.delay(attempt: $0) }
            == [.milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2), .seconds(3), .seconds(3)])
        #expect(b.delay(attempt: 0) == .milliseconds(250))
        #expect(b.delay(attempt: 1_000) == .seconds(3), "no overflow far past the cap")
    }

    @Test("jitter scales by 1 ± jitter and never passes the cap")
    func jitter() {
        let b = Backoff(base: .milliseconds(100), cap: .seconds(2), jitter: 0.2)
        #expect(b.delay(attempt: 3, random: 0.0) == .milliseconds(320))
        #expect(b.delay(attempt: 3, random: 0.5) == .milliseconds(400))
        #expect(b.delay(attempt: 3, random: 1.0) == .milliseconds(480))
        #expect(b.delay(attempt: 9, random: 1.0) == .seconds(2), "at the cap, jitter only shortens")
        #expect(b.delay(attempt: 9, random: 0.0) == .milliseconds(1600))
        #expect(Backoff(base: .seconds(1), cap: .seconds(5)).delay(attempt: 2, random: 0.9) == .seconds(2), "no jitter by default")
    }

    @Test("next() counts attempts, atCap says when the cap is reached, reset() starts again")
    func stateful() {
        var b = Backoff(base: .seconds(1), cap: .seconds(4), jitter: 0.5)
        #expect(!b.atCap)
        #expect(b.next(random: 0.5) == .seconds(1) && b.attempt == 1 && !b.atCap)
        #expect(b.next(random: 0.5) == .seconds(2) && !b.atCap)
        #expect(b.next(random: 0.0) == .seconds(2) && b.atCap)
        b.reset()
        #expect(b.attempt == 0 && !b.atCap && b.next(random: 0.5) == .seconds(1))
    }

    @Test("a cap below the base is raised to the base; jitter is clamped to 0...1")
    func bounds() {
        #expect(Backoff(base: .seconds(2), cap: .seconds(1)).cap == .seconds(2))
        #expect(Backoff(base: .seconds(1), cap: .seconds(1), jitter: 3).jitter == 1)
    }
}
