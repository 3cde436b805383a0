@testable import AltLogic
import Foundation
import Testing

/// The serving budget's token buckets with a hand-moved clock.
@Suite struct ServingBudgetTests {
    final class Clock: @unchecked Sendable {
        private let lock = NSLock()
        private var instant = ContinuousClock.now
        var now: ContinuousClock.Instant { lock.withLock { instant } }
        func advance(_ d: Duration) { lock.withLock { instant = instant + d } }
    }

    @Test func perPeerAndPerDriverRequestBuckets() {
        let clock = Clock()
        let budget = ServingBudget(limits: ServingLimits(peerRequestsPerSecond: 5, driverRequestsPerSecond: 8), now: { clock.now })
        // Burst: 2 s worth = 10 for the peer.
        let first = (0..<12).map { _ in budget.admitRequest(driver: "d", peer: "attacker") }
        #expect(first.prefix(10).allSatisfy { $0 == nil })
        #expect(first.suffix(2).allSatisfy { $0 == .peerRequests })
        // Another peer on the same driver: the driver's burst is 16, 10 used.
        let other = (0..<15).map { _ in budget.admitRequest(driver: "d", peer: "honest") }
        #expect(other.prefix(6).allSatisfy { $0 == nil })
        #expect(other.suffix(9).allSatisfy { $0 == .driverRequests })
        // Another driver is not affected.
        #expect(budget.admitRequest(driver: "e", peer: "attacker") == nil)
        // One second refills 5 for the peer (and 8 for the driver).
        clock.advance(.seconds(1))
        let refilled = (0..<6).map { _ in budget.admitRequest(driver: "d", peer: "attacker") }
        #expect(refilled.prefix(5).allSatisfy { $0 == nil })
        #expect(refilled[5] == .peerRequests)
        #expect(budget.stats.refused[.peerRequests] == 3)
        #expect(budget.stats.refused[.driverRequests] == 9)
        #expect(budget.stats.admitted == 10 + 6 + 1 + 5)
    }

    @Test func byteCreditGoesNegativeThenWaits() {
        let clock = Clock()
        let budget = ServingBudget(limits: ServingLimits(peerBytesPerSecond: 1_000_000, driverBytesPerSecond: 100_000_000), now: { clock.now })
        #expect(budget.admitRequest(driver: "d", peer: "p") == nil)
        #expect(budget.byteCredit(driver: "d", peer: "p") == nil)
        budget.spend(bytes: 12_000_000, driver: "d", peer: "p")  // burst 8 MB: 4 MB in debt
        #expect(budget.byteCredit(driver: "d", peer: "p") == .peerBytes)
        clock.advance(.seconds(3))
        #expect(budget.byteCredit(driver: "d", peer: "p") == .peerBytes)
        clock.advance(.seconds(2))
        #expect(budget.byteCredit(driver: "d", peer: "p") == nil)
    }

    @Test func aPeerOverItsRateWaitsInABoundedQueueThenIsRefused() {
        let clock = Clock()
        let budget = ServingBudget(limits: ServingLimits(peerRequestsPerSecond: 5, driverRequestsPerSecond: 1_000, maxWaitingPerPeer: 2),
                                   now: { clock.now })
        for _ in 0..<10 { #expect(budget.decide(driver: "d", peer: "p") == .admitted) }
        // Bucket empty: two may wait, about 1/5 s for the next token; the third is refused.
        #expect(budget.decide(driver: "d", peer: "p") == .wait(.milliseconds(200)))
        #expect(budget.decide(driver: "d", peer: "p") == .wait(.milliseconds(200)))
        #expect(budget.decide(driver: "d", peer: "p") == .refused(.peerRequests))
        // Another peer is not in this peer's queue.
        #expect(budget.decide(driver: "d", peer: "q") == .admitted)
        // After the wait, a waiter gets its token and frees its place.
        clock.advance(.milliseconds(200))
        budget.finishedWaiting(driver: "d", peer: "p")
        #expect(budget.decide(driver: "d", peer: "p") == .admitted)
        #expect(budget.stats.waited == 2)
        #expect(budget.stats.refused[.peerRequests] == 1)
        // The non-waiting form refuses at once.
        #expect(budget.admitRequest(driver: "d", peer: "p") == .peerRequests)
    }
}
