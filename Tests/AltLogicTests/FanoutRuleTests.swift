import AltLogic
import BitcoinPrimitives
import Foundation
import Logging
import Simnode
import Testing

/// The rescue's rules driven through its seams (a fake bitcoind, fake drivers): fan-out,
/// quorum, guards, minimum chain work, withholding. No processes, no sockets.
@Suite struct FanoutRuleTests {
    /// Alice's chain: genesis + 20 blocks. Bob's: Alice's + 7. Mallory's fork: from 15, 3 blocks.
    struct Chains {
        let alice: [SimBlock]
        let bob: [SimBlock]
        let lowerFork: [SimBlock]

        init() throws {
            alice = try RegtestChains.extend(try RegtestChains.genesis(), by: 20)
            bob = try RegtestChains.extend(alice, by: 7)
            lowerFork = try RegtestChains.extend(Array(alice.prefix(16)), by: 3, fork: 99)
        }
    }

    static var logger: Logger {
        var logger = Logger(label: "fanout-tests")
        logger.logLevel = ProcessInfo.processInfo.environment["ALTLOGIC_TEST_LOG"] == nil ? .critical : .debug
        return logger
    }

    static func config(quorum: Int = 2, perDriver: Int = 4) -> AltLogicConfig {
        var config = AltLogicConfig()
        config.quorum = quorum
        config.peersPerDriver = perDriver
        config.requestTimeout = .milliseconds(300)
        config.syncProbe = .milliseconds(50)
        config.fanoutGrace = .milliseconds(200)
        config.tipWatchTimeout = .seconds(2)
        return config
    }

    static func logic(_ bitcoind: FakeBitcoind, _ router: FakeRouter, config: AltLogicConfig = config(), seed: UInt64 = 1) -> AltLogicValidation {
        AltLogicValidation(backend: bitcoind, router: router, chain: .regtest, config: config, seed: seed, logger: logger)
    }

    @Test("a withholding peer asked first and an honest peer ahead: Alice reaches the honest tip")
    func withholderAndHonest() async throws {
        let c = try Chains()
        let bitcoind = FakeBitcoind(chain: c.alice.map(\.header))
        let router = FakeRouter([
            RegtestChains.peer("bip324", "1", address: "127.0.0.1:8333", behaviour: .withhold, chain: c.bob),
            RegtestChains.peer("bip324", "2", address: "127.1.0.1:8333", chain: c.bob),
        ])
        let report = await Self.logic(bitcoind, router).rescue(trigger: "stale-tip")
        #expect(report.outcome == .caughtUp, "\(report)")
        #expect(bitcoind.tipHash == c.bob.last!.hash)
        #expect(report.sources.count == 2)
        #expect(report.sources.first { $0.peer == "1" }?.answer == .nothingBetter)
        #expect(report.sources.first { $0.peer == "2" }?.answer == .better)
        #expect(report.blocksSubmitted == 7)
        // Blocks came from the source that claimed them, each asked once (never twice of one driver).
        #expect(router.blockRequests["bip324/2", default: 0] == 7, "\(router.blockRequests)")
        #expect(router.blockRequests["bip324/1", default: 0] == 0, "\(router.blockRequests)")
    }

    @Test("a lying lower-work fork and an honest chain: the honest chain wins")
    func lowerWorkLiarAndHonest() async throws {
        let c = try Chains()
        let bitcoind = FakeBitcoind(chain: c.alice.map(\.header))
        let router = FakeRouter([
            RegtestChains.peer("lightning", "02aa", chain: c.lowerFork),
            RegtestChains.peer("bip324", "1", address: "127.0.0.1:8333", chain: c.bob),
        ])
        let report = await Self.logic(bitcoind, router).rescue(trigger: "stale-tip")
        #expect(report.outcome == .caughtUp, "\(report)")
        #expect(bitcoind.tipHash == c.bob.last!.hash)
        let liar = try #require(report.sources.first { $0.driver == "lightning" })
        #expect(liar.answer == .nothingBetter)
        #expect(liar.forkHeight == 15)
    }

    @Test("all peers at Alice's height: no-better-chain with a quorum of independent answers")
    func quorumMet() async throws {
        let c = try Chains()
        let bitcoind = FakeBitcoind(chain: c.alice.map(\.header))
        let router = FakeRouter([
            RegtestChains.peer("bip324", "1", address: "127.0.0.1:8333", chain: c.alice),
            RegtestChains.peer("lightning", "02aa", chain: c.alice),
        ])
        let report = await Self.logic(bitcoind, router).rescue(trigger: "crosscheck")
        #expect(report.outcome == .noBetterChain, "\(report)")
        #expect(report.independentNothingBetter == 2)
        #expect(bitcoind.submittedHeaders == 0)
    }

    @Test("one answer only, or two from one network group of one driver: inconclusive")
    func quorumNotMet() async throws {
        let c = try Chains()
        let alone = FakeRouter([RegtestChains.peer("bip324", "1", address: "127.0.0.1:8333", chain: c.alice)])
        let one = await Self.logic(FakeBitcoind(chain: c.alice.map(\.header)), alone).rescue(trigger: "stale-tip")
        #expect(one.outcome == .inconclusive, "\(one)")
        #expect(one.outcome.wantsRetry)

        let sameGroup = FakeRouter([
            RegtestChains.peer("bip324", "1", address: "127.0.0.1:8333", chain: c.alice),
            RegtestChains.peer("bip324", "2", address: "127.0.0.2:8333", chain: c.alice),
        ])
        let two = await Self.logic(FakeBitcoind(chain: c.alice.map(\.header)), sameGroup).rescue(trigger: "stale-tip")
        #expect(two.outcome == .inconclusive, "\(two)")
        #expect(two.independentNothingBetter == 1)

        // A silent peer is no answer: one "nothing better" beside it is still inconclusive.
        let silent = FakeRouter([
            RegtestChains.peer("bip324", "1", address: "127.0.0.1:8333", chain: c.alice),
            RegtestChains.peer("lightning", "02aa", behaviour: .silent, chain: c.bob),
        ])
        let three = await Self.logic(FakeBitcoind(chain: c.alice.map(\.header)), silent).rescue(trigger: "stale-tip")
        #expect(three.outcome == .inconclusive, "\(three)")
        #expect(three.sources.first { $0.driver == "lightning" }?.answer == .noAnswer)
    }

    @Test("invalid headers: the peer is dropped; with only such peers the outcome says so")
    func invalidHeaders() async throws {
        let c = try Chains()
        let bitcoind = FakeBitcoind(chain: c.alice.map(\.header))
        let router = FakeRouter([RegtestChains.peer("bip324", "1", address: "127.0.0.1:8333", behaviour: .invalid, chain: c.bob)])
        let report = await Self.logic(bitcoind, router).rescue(trigger: "stale-tip")
        #expect(report.outcome == .invalidHeaders, "\(report)")
        #expect(router.disconnected == ["bip324/1"])
        #expect(bitcoind.submittedHeaders == 0)
    }

    @Test("bitcoind in initial block download: no rescue starts, no peer is asked")
    func initialBlockDownload() async throws {
        let c = try Chains()
        let bitcoind = FakeBitcoind(chain: c.alice.map(\.header))
        bitcoind.setInitialBlockDownload(true)
        let router = FakeRouter([RegtestChains.peer("bip324", "1", address: "127.0.0.1:8333", chain: c.bob)])
        let logic = Self.logic(bitcoind, router)
        let report = await logic.rescue(trigger: "stale-tip")
        #expect(report.outcome.kind == "bitcoind-syncing", "\(report)")
        #expect(report.outcome.name.contains("initial block download"))
        #expect(router.headerRequests.isEmpty)
        #expect(await logic.pauseReason()?.contains("initial block download") == true)
    }

    @Test("headers ahead of blocks and not moving: the rescue goes on (withheld blocks)")
    func headersAheadStill() async throws {
        let c = try Chains()
        let bitcoind = FakeBitcoind(chain: c.alice.map(\.header))
        bitcoind.setHeadersAhead(by: 3)
        let router = FakeRouter([
            RegtestChains.peer("bip324", "1", address: "127.0.0.1:8333", chain: c.bob),
        ])
        let report = await Self.logic(bitcoind, router).rescue(trigger: "stale-tip")
        #expect(report.outcome == .caughtUp, "\(report)")
    }

    @Test("headers ahead of blocks and blocks arriving: bitcoind is syncing, no peer is asked")
    func headersAheadMoving() async throws {
        let c = try Chains()
        let bitcoind = FakeBitcoind(chain: c.alice.map(\.header))
        bitcoind.setHeadersAhead(by: 3, growing: true)
        let router = FakeRouter([RegtestChains.peer("bip324", "1", address: "127.0.0.1:8333", chain: c.bob)])
        let report = await Self.logic(bitcoind, router).rescue(trigger: "stale-tip")
        #expect(report.outcome.kind == "bitcoind-syncing", "\(report)")
        #expect(report.outcome.name.contains("downloading blocks"))
        #expect(router.headerRequests.isEmpty)
    }

    @Test("a better chain below the minimum chain work: nothing is submitted")
    func belowMinimumWork() async throws {
        let c = try Chains()
        let bitcoind = FakeBitcoind(chain: c.alice.map(\.header))
        let router = FakeRouter([
            RegtestChains.peer("bip324", "1", address: "127.0.0.1:8333", chain: c.bob),
            RegtestChains.peer("lightning", "02aa", chain: c.bob),
        ])
        var config = Self.config()
        // Bob's chain has 28 blocks of regtest work (2 each); ask for more.
        config.minimumChainWork = UInt256(100)
        let report = await Self.logic(bitcoind, router, config: config).rescue(trigger: "stale-tip")
        #expect(report.outcome == .belowMinimumWork, "\(report)")
        #expect(bitcoind.submittedHeaders == 0 && bitcoind.submittedBlocks == 0)
        #expect(bitcoind.tipHash == c.alice.last!.hash)
    }

    @Test("a peer that announced a height above the tip and withheld is demoted, then asked last")
    func withholderDemoted() async throws {
        let c = try Chains()
        let bitcoind = FakeBitcoind(chain: c.alice.map(\.header))
        let router = FakeRouter([
            RegtestChains.peer("bip324", "1", address: "127.0.0.1:8333", startHeight: 27, behaviour: .withhold, chain: c.bob),
            RegtestChains.peer("bip324", "2", address: "127.1.0.1:8333", startHeight: 27, chain: c.bob),
        ])
        let logic = Self.logic(bitcoind, router, config: Self.config(perDriver: 2))
        let report = await logic.rescue(trigger: "stale-tip")
        #expect(report.outcome == .caughtUp, "\(report)")
        #expect(await logic.demotedPeers() == ["bip324/1"])
        #expect(report.notes.contains { $0.hasPrefix("demoted bip324/1") })
        // A third peer arrives: with two peers asked per driver, the demoted one is left out.
        router.add(RegtestChains.peer("bip324", "3", address: "127.2.0.1:8333", chain: c.bob))
        for _ in 0..<10 { _ = await logic.rescue(trigger: "crosscheck") }
        #expect(router.requests("bip324/1") == 1, "the demoted peer was asked again: \(router.headerRequests)")
        #expect(router.requests("bip324/3") == 10)
    }

    @Test("a ground node id that sorts first does not get every request: over 50 fan-outs requests spread")
    func requestsSpread() async throws {
        let c = try Chains()
        let bitcoind = FakeBitcoind(chain: c.alice.map(\.header))
        let ids = ["00" + String(repeating: "0", count: 64)] + (1...4).map { "03" + String(repeating: String($0), count: 64) }
        let router = FakeRouter(ids.map { RegtestChains.peer("lightning", $0, chain: c.alice) })
        let logic = Self.logic(bitcoind, router, config: Self.config(quorum: 1, perDriver: 2), seed: 42)
        for _ in 0..<50 { _ = await logic.rescue(trigger: "crosscheck") }
        let counts = ids.map { router.requests("lightning/\($0)") }
        #expect(counts.reduce(0, +) == 100)
        #expect(counts[0] < 50, "the ground id was asked \(counts[0]) times of 50: \(counts)")
        #expect(counts.allSatisfy { $0 >= 8 }, "requests did not spread: \(counts)")
    }
}
