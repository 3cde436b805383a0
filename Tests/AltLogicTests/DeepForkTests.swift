import AltLogic
import BitcoinPrimitives
import Foundation
import Testing
import TestSupport

/// A long low-difficulty fork from deep below bitcoind's tip, on a test network whose difficulty
/// varies (regtest cannot show it: every regtest header has the same work), driven through the
/// rescue's seams: more headers than bitcoind's chain, less work.
@Suite(.serialized) struct DeepForkTests {
    /// bitcoind's chain: 20,000 headers. The fork: from height 100, 120,000 headers at powLimit.
    struct Setup {
        let honest: VaryingDifficultyChain
        let fork: [BlockHeader]

        init() {
            honest = VaryingDifficultyChain.honest(length: 20_000)
            fork = honest.lowWorkFork(from: 100, length: 120_000)
        }

        var forkChain: [BlockHeader] { Array(honest.headers.prefix(101)) + fork }
        var now: Double { Double(VaryingDifficultyChain.clock(after: fork)) }
    }

    @Test("a long low-work fork from deep below the tip: presynced, never stored, nothing submitted, memory bounded")
    func lowWorkForkIsPresyncedAndRefused() async throws {
        let setup = Setup()
        let honestWork = setup.honest.chainWork[setup.honest.tipHeight]
        let forkWork = setup.honest.chainWork[100] &+ VaryingDifficultyChain.work(of: setup.fork)
        try #require(setup.forkChain.count > setup.honest.headers.count, "the fork must have more headers")
        try #require(forkWork < honestWork, "the fork must have less work")

        let bitcoind = FakeBitcoind(chain: setup.honest.headers)
        let router = FakeRouter([
            FakeRouter.Peer(driver: "bip324", id: "mallory", address: "127.0.0.1:8333", behaviour: .serve,
                            chain: setup.forkChain, blocks: [:]),
            FakeRouter.Peer(driver: "lightning", id: "02honest", behaviour: .serve, chain: setup.honest.headers, blocks: [:]),
        ])
        var config = FanoutRuleTests.config()
        config.rescueTimeout = .seconds(120)
        config.headerPhaseTimeout = .seconds(100)
        let logic = AltLogicValidation(backend: bitcoind, router: router, chain: setup.honest.params, config: config,
                                       clock: ShiftedClock(wall: setup.now), seed: 3, logger: FanoutRuleTests.logger)
        let before = try ResidentMemory.kib()
        let started = ContinuousClock.now
        let report = await logic.rescue(trigger: "stale-tip")
        let elapsed = ContinuousClock.now - started
        let after = try ResidentMemory.kib()

        #expect(report.outcome == .noBetterChain, "\(report)")
        let mallory = try #require(report.sources.first { $0.peer == "mallory" })
        #expect(mallory.answer == .nothingBetter)
        // bitcoind's locator has no entry between genesis and 100: the peer answers from genesis.
        #expect(mallory.forkHeight == 0)
        #expect(mallory.headers == setup.forkChain.count - 1, "the whole fork was read: \(mallory)")
        #expect(mallory.detail?.hasPrefix("presync") == true, "\(mallory)")
        #expect(bitcoind.submittedHeaders == 0 && bitcoind.submittedBlocks == 0)
        #expect(bitcoind.tipHash == setup.honest.tip.hash)
        #expect(elapsed < config.rescueTimeout)
        // 120,000 headers are 9.6 MB raw; stored in a HeaderChain they grew VmRSS by 12 MB (measured with the
        // presync switched off); presync holds none of them.
        print("deep low-work fork: \(setup.fork.count) headers in \(elapsed), VmRSS \(before) KiB -> \(after) KiB")
        #expect(after - before < 6_144, "VmRSS grew \(after - before) KiB")
    }

    @Test("the same fork with more work than bitcoind's best header is proven, fetched again and stored")
    func heavyDeepForkIsProvenThenStored() async throws {
        // bitcoind's chain is short this time: the fork from height 100 has more work.
        let honest = VaryingDifficultyChain.honest(length: 1_000)
        let fork = honest.lowWorkFork(from: 100, length: 12_000)
        let forkChain = Array(honest.headers.prefix(101)) + fork
        let forkWork = honest.chainWork[100] &+ VaryingDifficultyChain.work(of: fork)
        try #require(forkWork > honest.chainWork[honest.tipHeight])
        let bitcoind = FakeBitcoind(chain: honest.headers)
        let router = FakeRouter([
            FakeRouter.Peer(driver: "bip324", id: "heavy", address: "127.0.0.1:8333", behaviour: .serve, chain: forkChain, blocks: [:]),
        ])
        var config = FanoutRuleTests.config()
        config.maxForkDepth = 500
        let logic = AltLogicValidation(backend: bitcoind, router: router, chain: honest.params, config: config,
                                       clock: ShiftedClock(wall: Double(VaryingDifficultyChain.clock(after: fork))), seed: 3,
                                       logger: FanoutRuleTests.logger)
        let report = await logic.rescue(trigger: "stale-tip")
        let source = try #require(report.sources.first)
        #expect(source.answer == .better, "\(report)")
        // Presync until the work is proven (part of the fork), then the whole fork again, stored.
        #expect(source.headers > forkChain.count - 1, "presync, then fetched again: \(source)")
        #expect(source.tipHeight == forkChain.count - 1)
        #expect(report.notes.contains { $0.contains("presync proved more work") })
        // Headers reach bitcoind; the blocks exist nowhere, so the rescue fails on them.
        #expect(bitcoind.submittedHeaders == fork.count)
        #expect(report.outcome.kind == "failed", "\(report.outcome)")
    }
}
