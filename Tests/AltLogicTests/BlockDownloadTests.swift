@testable import AltLogic
import BitcoinPrimitives
import Foundation
import Testing

/// The rescue's block download (issue #20 item 3): ``BlockWindow``'s schedule on its own, then
/// the download driven through the seams (fake bitcoind, fake drivers).
@Suite struct BlockDownloadTests {
    // MARK: BlockWindow

    @Test("blocks fetched out of order are submitted in chain order, one run at a time")
    func submissionOrder() {
        var window = BlockWindow(count: 6, fetchWindow: 6, holdWindow: 6)
        var asked: [Int] = []
        while let index = window.nextFetch() { asked.append(index) }
        #expect(asked == [0, 1, 2, 3, 4, 5])
        window.fetched(2)
        window.fetched(1)
        #expect(window.nextRun(maxRun: 64) == nil, "block 0 is not fetched: nothing may go to bitcoind")
        window.fetched(0)
        window.fetched(4)
        let first = window.nextRun(maxRun: 64)
        #expect(first == 0..<3)
        window.fetched(3)
        #expect(window.nextRun(maxRun: 64) == nil, "one run at a time: 0..<3 is still being submitted")
        window.submitted(0..<3)
        #expect(window.nextRun(maxRun: 64) == 3..<5)
        window.submitted(3..<5)
        window.fetched(5)
        #expect(window.nextRun(maxRun: 64) == 5..<6)
        window.submitted(5..<6)
        #expect(window.isDone)
        #expect(window.nextFetch() == nil)
    }

    @Test("at most fetchWindow fetches outstanding and holdWindow blocks not yet submitted")
    func windowBounds() {
        var window = BlockWindow(count: 100, fetchWindow: 4, holdWindow: 10)
        var asked: [Int] = []
        while let index = window.nextFetch() { asked.append(index) }
        #expect(asked == [0, 1, 2, 3], "four fetches outstanding at most")
        // Answers for 1...3 (not 0): more may be asked, until ten are held.
        for index in 1...3 { window.fetched(index) }
        while let index = window.nextFetch() { asked.append(index) }
        #expect(asked == Array(0..<7))
        for index in 4...6 { window.fetched(index) }
        while let index = window.nextFetch() { asked.append(index) }
        #expect(asked == Array(0..<10), "ten held: 0 outstanding, 1...6 fetched, 7...9 outstanding")
        #expect(window.outstanding == 4)
        window.fetched(7)
        #expect(window.nextFetch() == nil, "the hold window is full until bitcoind takes blocks")
        window.fetched(0)
        let run = window.nextRun(maxRun: 3)
        #expect(run == 0..<3, "a run is at most maxRun long")
        #expect(window.nextFetch() == nil, "blocks being submitted are still held")
        window.submitted(0..<3)
        #expect(window.nextFetch() == 10)
        #expect(window.launched - window.submitted <= window.holdWindow)
    }

    @Test("the hold window is never below the fetch window")
    func holdAtLeastFetch() {
        let window = BlockWindow(count: 5, fetchWindow: 8, holdWindow: 2)
        #expect(window.holdWindow == 8)
        #expect(BlockWindow(count: 5, fetchWindow: 0, holdWindow: 0).fetchWindow == 1)
    }

    @Test("the stash keeps a block until its fetch takes it, and never a duplicate of a taken one")
    func stashDropsTakenDuplicates() async throws {
        let chain = try RegtestChains.extend(try RegtestChains.genesis(), by: 2)
        let stash = BlockStash(capacity: 4)
        let (a, b) = (chain[1], chain[2])
        await stash.put(a.hash, Rescue.FetchedBlock(bytes: a.serialized, driver: "ln"))
        #expect(await stash.count == 1)
        #expect(await stash.take(a.hash)?.bytes == a.serialized)
        // A slower target's answer for the same block: not kept.
        await stash.put(a.hash, Rescue.FetchedBlock(bytes: a.serialized, driver: "bip324"))
        #expect(await stash.count == 0)
        #expect(await stash.take(a.hash) == nil)
        // Handed to its waiting fetch directly: a duplicate after it is not kept either.
        async let waited = stash.wait(for: b.hash, timeout: .seconds(5))
        try await Task.sleep(for: .milliseconds(50))
        await stash.put(b.hash, Rescue.FetchedBlock(bytes: b.serialized, driver: "ln"))
        #expect(await waited?.bytes == b.serialized)
        await stash.put(b.hash, Rescue.FetchedBlock(bytes: b.serialized, driver: "bip324"))
        #expect(await stash.count == 0)
    }

    // MARK: Through the seams

    static func config() -> AltLogicConfig {
        var config = FanoutRuleTests.config(quorum: 1)
        config.blockTimeout = .seconds(5)
        config.maxBlocksInFlight = 4
        config.maxBlocksHeld = 8
        return config
    }

    @Test("40 blocks: submitted in chain order, batched, every one of them")
    func orderThroughSeams() async throws {
        let alice = try RegtestChains.extend(try RegtestChains.genesis(), by: 3)
        let bob = try RegtestChains.extend(alice, by: 40)
        let bitcoind = FakeBitcoind(chain: alice.map(\.header))
        let router = FakeRouter([RegtestChains.peer("lightning", "02bb", chain: bob)])
        let report = await FanoutRuleTests.logic(bitcoind, router, config: Self.config()).rescue(trigger: "stale-tip")
        #expect(report.outcome == .caughtUp, "\(report)")
        #expect(bitcoind.tipHash == bob.last!.hash)
        #expect(bitcoind.submittedOrder == bob.suffix(40).map(\.hash))
        #expect(report.blocksSubmitted == 40)
        #expect(bitcoind.submitBatches.reduce(0, +) == 40)
        #expect(bitcoind.submitBatches.allSatisfy { $0 <= 8 }, "a batch never exceeds the hold window: \(bitcoind.submitBatches)")
    }

    @Test("a peer that fails mid-download: its blocks are asked of the other driver's peer")
    func peerFailsMidWindow() async throws {
        let alice = try RegtestChains.extend(try RegtestChains.genesis(), by: 3)
        let bob = try RegtestChains.extend(alice, by: 30)
        let bitcoind = FakeBitcoind(chain: alice.map(\.header))
        let router = FakeRouter([
            // Both fail partway, the one asked first (the first to answer headers: either) at
            // its point, and together they have all 30: the other must take over either way.
            RegtestChains.peer("bip324", "1", address: "127.0.0.1:8333", behaviour: .dropsBlocks(after: 5), chain: bob),
            RegtestChains.peer("lightning", "02bb", behaviour: .dropsBlocks(after: 28), chain: bob),
        ])
        var config = Self.config()
        config.blockFetchWidth = 1
        let started = ContinuousClock.now
        let report = await FanoutRuleTests.logic(bitcoind, router, config: config).rescue(trigger: "stale-tip")
        // A failed request is followed by the next target at once, not after the 1 s grace kept
        // for blocks arriving on another request's answer (25 failures took 8.8 s that way).
        #expect(ContinuousClock.now - started < .seconds(4))
        #expect(report.outcome == .caughtUp, "\(report)")
        #expect(bitcoind.tipHash == bob.last!.hash)
        #expect(bitcoind.submittedOrder == bob.suffix(30).map(\.hash))
        let (bip324, lightning) = (router.blockRequests["bip324/1", default: 0], router.blockRequests["lightning/02bb", default: 0])
        #expect(bip324 > 5 || lightning > 28, "no peer was asked past its failure: \(router.blockRequests)")
        #expect(bip324 > 0 && lightning > 0, "one peer served everything: \(router.blockRequests)")
    }

    @Test("a block that does not match its header is refused; bitcoind gets the honest one")
    func badBlockRefused() async throws {
        let alice = try RegtestChains.extend(try RegtestChains.genesis(), by: 3)
        let bob = try RegtestChains.extend(alice, by: 6)
        let bitcoind = FakeBitcoind(chain: alice.map(\.header))
        let router = FakeRouter([
            RegtestChains.peer("bip324", "1", address: "127.0.0.1:8333", behaviour: .corruptBlocks, chain: bob),
            RegtestChains.peer("lightning", "02bb", chain: bob),
        ])
        let report = await FanoutRuleTests.logic(bitcoind, router, config: Self.config()).rescue(trigger: "stale-tip")
        #expect(report.outcome == .caughtUp, "\(report)")
        #expect(bitcoind.submittedOrder == bob.suffix(6).map(\.hash))
        #expect(router.blockRequests["bip324/1", default: 0] > 0, "the corrupting peer was asked: \(router.blockRequests)")
    }

    @Test("only corrupt blocks on offer: nothing reaches bitcoind, the rescue fails")
    func onlyBadBlocks() async throws {
        let alice = try RegtestChains.extend(try RegtestChains.genesis(), by: 3)
        let bob = try RegtestChains.extend(alice, by: 3)
        let bitcoind = FakeBitcoind(chain: alice.map(\.header))
        let router = FakeRouter([RegtestChains.peer("lightning", "02bb", behaviour: .corruptBlocks, chain: bob)])
        var config = Self.config()
        config.blockAttempts = 2
        let report = await FanoutRuleTests.logic(bitcoind, router, config: config).rescue(trigger: "stale-tip")
        if case .failed(let reason) = report.outcome {
            #expect(reason.contains("not fetched"), "\(reason)")
        } else {
            Issue.record("expected a failure, got \(report.outcome)")
        }
        #expect(bitcoind.submittedBlocks == 0)
        #expect(bitcoind.tipHash == alice.last!.hash)
    }
}
