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

    /// The outcomes recorded on anomaly `id`, until `until` holds or 10 s pass.
    static func outcomes(_ watch: AsyncStream<AnomalyChange>, id: UInt64, board: AnomalyBoard,
                         until: @escaping ([String]) -> Bool) async -> [String] {
        let timeout = Task {
            guard (try? await Task.sleep(for: .seconds(10))) != nil else { return }
            await board.finish()
        }
        defer { timeout.cancel() }
        var seen: [String] = []
        for await change in watch {
            if case .updated(let a) = change, a.id == id, let o = a.outcome {
                seen.append(o)
                if until(seen) { break }
            }
        }
        return seen
    }

    @Test("an inconclusive rescue of an open anomaly is retried with backoff until a second source shows the better chain")
    func inconclusiveIsRetried() async throws {
        let c = try FanoutRuleTests.Chains()
        let bitcoind = FakeBitcoind(chain: c.alice.map(\.header))
        let router = FakeRouter([RegtestChains.peer("bip324", "1", address: "127.0.0.1:8333", behaviour: .withhold, chain: c.bob)])
        let logic = FanoutRuleTests.logic(bitcoind, router, config: Self.fastConfig())
        let board = AnomalyBoard()
        let feed = await board.subscribe()
        let watch = await board.subscribe()
        let (newBlocks, newBlock) = AsyncStream.makeStream(of: Void.self)
        let service = Task { await logic.run(anomalies: feed, newBlocks: newBlocks, board: board) }
        defer { service.cancel(); newBlock.finish() }
        var tracker = AnomalyTracker()
        let changes = tracker.update(findings: [Finding(kind: .staleTip, severity: .critical, reason: "no block")],
                                     evaluated: [.staleTip], at: Date())
        await board.apply(changes)
        let id = try #require(changes.first?.anomaly.id)

        let first = await Self.outcomes(watch, id: id, board: board) { $0.count >= 2 }
        #expect(first == ["inconclusive", "inconclusive"], "\(first)")
        // An honest peer connects: the next retry finds Bob's chain.
        router.add(RegtestChains.peer("lightning", "02bb", chain: c.bob))
        let later = await Self.outcomes(watch, id: id, board: board) { $0.last == "caught-up" }
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
        while bitcoind.tipHash != c.bob.last!.hash, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(bitcoind.tipHash == c.bob.last!.hash)
        #expect(await logic.recentReports().first?.trigger == "crosscheck")
    }
}
