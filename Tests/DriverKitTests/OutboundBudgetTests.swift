import DriverKit
import Testing

/// The per-peer byte cap both drivers count their writes with (issue 15).
@Suite struct OutboundBudgetTests {
    @Test func takesUpToTheLimitAndReleases() {
        var budget = OutboundBudget(limit: 100)
        var taken = budget.take(60)
        #expect(taken)
        taken = budget.take(41)
        #expect(!taken, "past the limit: refused, nothing taken")
        #expect(budget.queued == 60)
        taken = budget.take(40)
        #expect(taken)
        budget.release(70)
        #expect(budget.queued == 30)
        taken = budget.take(70)
        #expect(taken)
    }

    @Test func allowanceIsRoomAboveTheLimitForThatMessageOnly() {
        var budget = OutboundBudget(limit: 100)
        var taken = budget.take(100)
        #expect(taken)
        taken = budget.take(1)
        #expect(!taken)
        taken = budget.take(20, allowance: 20)
        #expect(taken)
        taken = budget.take(1, allowance: 20)
        #expect(!taken)
        budget.release(1_000)
        #expect(budget.queued == 0, "never below zero")
    }
}
