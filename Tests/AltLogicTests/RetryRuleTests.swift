import AltLogic
import Altstack
import BitcoinPrimitives
import Foundation
import Testing
import Watchdog

/// The service loop's retries and signals, through the seams: an inconclusive rescue of an open
/// anomaly is tried again with backoff until it concludes; a peer announcing a height above
/// bitcoind's tip starts a fan-out.
@Suite struct RetryRuleTests {
    static func fastConfig() -> AltLogicConfig {
        var config = FanoutRuleTests.config()
        config.crossCheckInterval = .seconds(3_600)
        config.retryPolicy = RestartPolicy(baseDelay: .milliseconds(100), maxDelay: .milliseconds(400), jitter: 0, parkAfter: .max)
        config.signalInterval = .milliseconds(100)
        return config
    }

    @Test("an inconclusive rescue of an open anomaly is retried with backoff until a second source shows the better chain")
    func inconclusiveIsRetried() async throws {
        let c = try FanoutRuleTests.Chains()
        let bitcoind = FakeBitcoind(chain: c.alice.map(\.header))
        let router = FakeRouter([RegtestChains.peer("bip324", "1", address: "127.0.0.1:8333", behaviour: .withhold, chain: c.bob)])
        let logic = FanoutRuleTests.logic(bitcoind, router, config: Self.fastConfig())
        let loop = await ServiceLoop.start(logic)
        defer { loop.stop() }
        let id = try await loop.openStaleTip()

        let first = await loop.outcomes(of: id, timeout: .seconds(10)) { $0.count >= 2 }
        #expect(first == ["inconclusive", "inconclusive"], "\(first)")
        // An honest peer connects: the next retry finds Bob's chain.
        router.add(RegtestChains.peer("lightning", "02bb", chain: c.bob))
        let later = await loop.outcomes(of: id, timeout: .seconds(10)) { $0.last == "caught-up" }
        #expect(later.last == "caught-up", "\(later)")
        #expect(bitcoind.tipHash == c.bob.last!.hash)
        let triggers = await logic.recentReports().map(\.trigger)
        #expect(triggers.first == "stale-tip" && triggers.contains("stale-tip (retry 1)"), "\(triggers)")
        // Closed: no more retries.
        let count = await logic.recentReports().count
        try await Task.sleep(for: .milliseconds(600))
        #expect(await logic.recentReports().count == count)
    }

    @Test("a peer announcing a height above bitcoind's tip starts a fan-out without any anomaly")
    func announcedHeightSignals() async throws {
        let c = try FanoutRuleTests.Chains()
        let bitcoind = FakeBitcoind(chain: c.alice.map(\.header))
        let router = FakeRouter([
            RegtestChains.peer("bip324", "1", address: "127.0.0.1:8333", startHeight: 27, chain: c.bob),
        ])
        let logic = FanoutRuleTests.logic(bitcoind, router, config: Self.fastConfig())
        let (anomalies, anomaliesDone) = AsyncStream.makeStream(of: AnomalyChange.self)
        let (newBlocks, newBlock) = AsyncStream.makeStream(of: Void.self)
        let service = Task { await logic.run(anomalies: anomalies, newBlocks: newBlocks, board: nil) }
        defer { service.cancel(); newBlock.finish(); anomaliesDone.finish() }
        let deadline = ContinuousClock.now + .seconds(10)
        // The tip moves with the last submitblock, a moment before the rescue files its report.
        while ContinuousClock.now < deadline {
            let filed = !(await logic.recentReports().isEmpty)
            if bitcoind.tipHash == c.bob.last!.hash, filed { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(bitcoind.tipHash == c.bob.last!.hash)
        #expect(await logic.recentReports().first?.trigger == "crosscheck")
    }
}
