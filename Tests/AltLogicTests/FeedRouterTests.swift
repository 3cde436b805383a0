import AltLogic
import BitcoinPrimitives
import DriverProtocol
import Testing

/// A broadcast feed as a rescue source, through the seams (fake bitcoind, fake drivers): what it
/// pushed is validated like any answer, counted for the quorum, acted on, and its blocks come
/// from another driver. No processes.
@Suite struct FeedRouterTests {
    static func blocksOnlyPeer(_ c: FanoutRuleTests.Chains) -> FakeRouter.Peer {
        // At Alice's height for headers ("nothing better"), but holding Bob's blocks.
        FakeRouter.Peer(driver: "rpc", id: "1", address: "127.0.0.1:8332", startHeight: nil, behaviour: .serve,
                        chain: c.alice.map(\.header),
                        blocks: Dictionary(c.bob.map { ($0.hash, $0.serialized) }, uniquingKeysWith: { a, _ in a }))
    }

    @Test("a feed's pushed headers are a source: silent it is no answer; with a better chain it is acted on, blocks from another driver")
    func feedIsASource() async throws {
        let c = try FanoutRuleTests.Chains()
        let bitcoind = FakeBitcoind(chain: c.alice.map(\.header))
        let base = FakeRouter([Self.blocksOnlyPeer(c)])
        let inbox = FeedInbox()
        let router = FeedRouter(base: base, inbox: inbox, feeds: { [("sat", [.headers])] })
        #expect(router.headerPeers().map(\.driver) == ["rpc", "sat"])
        let logic = AltLogicValidation(backend: bitcoind, router: router, chain: .regtest, config: FanoutRuleTests.config(quorum: 1),
                                       seed: 1, logger: FanoutRuleTests.logger)

        // Nothing pushed: the feed is "no answer", never "nothing better".
        let quiet = await logic.crossCheck()
        #expect(quiet.sources.first { $0.driver == "sat" }?.answer == .noAnswer, "\(quiet)")
        #expect(!quiet.betterChainSeen)

        let pushed = DriverP2PMessage(command: "headers", payload: P2PMessage.headers(c.bob.dropFirst().map(\.header)).encodePayload().hex)
        #expect(inbox.put(driver: "sat", peer: "sat0", message: pushed))
        let report = await logic.crossCheck()
        #expect(report.betterChainSeen && report.outcome == .caughtUp, "\(report)")
        #expect(report.sources.first { $0.driver == "sat" }?.answer == .better)
        #expect(report.sources.first { $0.driver == "sat" }?.peer == "sat0")
        #expect(bitcoind.tipHash == c.bob.last!.hash)
        #expect(report.blocksSubmitted == 7)
        // Blocks from the other driver; the feed was never asked through the base router.
        #expect(base.blockRequests.keys.allSatisfy { $0.hasPrefix("rpc/") } && base.blockRequests.values.reduce(0, +) >= 7)
        #expect(base.headerRequests.keys.allSatisfy { $0.hasPrefix("rpc/") })
    }

    @Test("a feed that pushes invalid headers is dropped as a source: its window is forgotten")
    func invalidFeedIsForgotten() async throws {
        let c = try FanoutRuleTests.Chains()
        let bitcoind = FakeBitcoind(chain: c.alice.map(\.header))
        let inbox = FeedInbox()
        let router = FeedRouter(base: FakeRouter([Self.blocksOnlyPeer(c)]), inbox: inbox, feeds: { [("sat", [.headers])] })
        var headers = c.bob.dropFirst().map(\.header)
        headers[headers.count - 3].time = 1
        // Still linked by hash (the broken header's successors build on its new hash), but its time is before median-time-past.
        for i in (headers.count - 2)..<headers.count { headers[i].previousBlockHash = headers[i - 1].hash }
        inbox.put(driver: "sat", peer: "sat0", message: .init(command: "headers", payload: P2PMessage.headers(headers).encodePayload().hex))
        #expect(inbox.counts()["sat"] == headers.count)
        let logic = AltLogicValidation(backend: bitcoind, router: router, chain: .regtest, config: FanoutRuleTests.config(quorum: 1),
                                       seed: 1, logger: FanoutRuleTests.logger)
        let report = await logic.crossCheck()
        #expect(report.sources.first { $0.driver == "sat" }?.answer == .invalid, "\(report)")
        #expect(!report.betterChainSeen)
        #expect(inbox.counts()["sat"] == nil)
        #expect(bitcoind.tipHash == c.alice.last!.hash)
    }

    @Test("a feed that declares blocks and pushed them serves them: the rescue needs no other block source")
    func feedPushedBlocksAreUsed() async throws {
        let c = try FanoutRuleTests.Chains()
        let bitcoind = FakeBitcoind(chain: c.alice.map(\.header))
        // The only other driver withholds (no headers beyond Alice's, no blocks).
        let base = FakeRouter([RegtestChains.peer("bip324", "1", address: "127.0.0.1:8333", behaviour: .withhold, chain: c.alice)])
        let inbox = FeedInbox(makeWindow: { FeedWindow(maxBlocks: 8) })
        let router = FeedRouter(base: base, inbox: inbox, feeds: { [("sat", [.headers, .blocks])] })
        #expect(router.blockDrivers() == ["bip324"])
        inbox.put(driver: "sat", peer: "sat0", message: .init(command: "headers", payload: P2PMessage.headers(c.bob.dropFirst().map(\.header)).encodePayload().hex))
        for block in c.bob.suffix(7) { inbox.put(driver: "sat", peer: "sat0", message: .init(command: "block", payload: block.serialized.hex)) }
        #expect(router.blockDrivers() == ["bip324", "sat"])
        let logic = AltLogicValidation(backend: bitcoind, router: router, chain: .regtest, config: FanoutRuleTests.config(quorum: 1),
                                       seed: 1, logger: FanoutRuleTests.logger)
        let report = await logic.crossCheck()
        #expect(report.outcome == .caughtUp, "\(report)")
        #expect(report.blocksSubmitted == 7)
        #expect(bitcoind.tipHash == c.bob.last!.hash)
        // A block it never pushed is not asked of it: the answer is local, and says so.
        await #expect(throws: DriverProtocolError.self) {
            try await router.getBlock(c.alice[3].hash, driver: "sat", peer: nil, timeout: .seconds(1))
        }
    }
}
