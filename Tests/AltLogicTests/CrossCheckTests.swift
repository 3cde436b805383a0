import AltLogic
import Altstack
import BitcoinPrimitives
import Foundation
import Testing
import TestSupport
import Watchdog

@Suite(.serialized) struct CrossCheckTests {
    /// The slow-chain attack: Alice keeps receiving blocks, but of her own low-work branch, while
    /// Bob's branch has more work. No stale-tip rule fires; the cross-check (run by the service
    /// loop on its timer) raises `altnet-better-chain` within one interval and the rescue reorgs
    /// Alice onto Bob's chain.
    @Test("cross-check: a low-work chain fed to bitcoind is found and Alice reorgs to Bob's chain")
    func slowChainAttack() async throws {
        let rig = try await TwoNodeRig.start()
        defer { Task { await rig.stop() } }
        try await rig.diverge(aliceOwn: 3, bobAhead: 8)
        let forkPoint = try await rig.bob.rpc.getBlockHash(height: 5)
        let aliceBranchTip = try await rig.alice.tip

        let interval = Duration.seconds(2)
        let validation = rig.validation { $0.crossCheckInterval = interval }
        let board = AnomalyBoard()
        let changes = await board.subscribe()
        let (newBlocks, newBlock) = AsyncStream.makeStream(of: Void.self)
        let (anomalies, anomalyInput) = AsyncStream.makeStream(of: AnomalyChange.self)
        let service = Task { await validation.run(anomalies: anomalies, newBlocks: newBlocks, board: board) }
        defer {
            anomalyInput.finish()
            newBlock.finish()
            service.cancel()
        }
        // Alice keeps getting blocks on her branch meanwhile (the attacker's slow chain).
        let started = ContinuousClock.now
        try await rig.alice.mineOwn(1)
        newBlock.yield()

        // Within one interval (plus the rescue's own time on a loaded machine): raised and acted on.
        var opened: Anomaly?
        var closed: Anomaly?
        let watcher = Task {
            var o: Anomaly?, c: Anomaly?
            for await change in changes {
                switch change {
                case .opened(let a) where a.kind == .altnetBetterChain: o = a
                case .closed(let a) where a.kind == .altnetBetterChain: c = a
                default: break
                }
                if o != nil && c != nil { break }
            }
            return (o, c)
        }
        let timeout = Task { try? await Task.sleep(for: interval + .seconds(20)); await board.finish() }
        (opened, closed) = await watcher.value
        timeout.cancel()
        let elapsed = ContinuousClock.now - started
        #expect(opened != nil, "no altnet-better-chain anomaly")
        #expect(closed?.outcome == RescueOutcome.caughtUp.name)
        #expect(elapsed < interval + .seconds(20))
        let bobTip = try await rig.bob.tip
        // The reorg: Bob's tip is on Alice's active chain, her own branch is not.
        let info = try await rig.alice.rpc.getBlockHeaderInfo(bobTip)
        #expect(info.confirmations >= 1)
        #expect(try await rig.alice.rpc.getBlockHeaderInfo(aliceBranchTip).confirmations == -1)
        #expect(try await rig.alice.rpc.getBlockHeaderInfo(forkPoint).confirmations >= 1)
        let report = try #require(await validation.recentReports().first { $0.betterChainSeen })
        #expect(report.trigger == "crosscheck")
        #expect(report.outcome == .caughtUp)
        #expect(report.blocksSubmitted == 8)
        await rig.stop()
    }

    /// A chain anomaly from the watchdog's board starts a rescue; its outcome is recorded on it.
    @Test("an opened stale-tip anomaly triggers a rescue and gets its outcome")
    func anomalyTriggersRescue() async throws {
        let rig = try await TwoNodeRig.start()
        defer { Task { await rig.stop() } }
        try await rig.diverge(bobAhead: 10)
        let validation = rig.validation { $0.crossCheckInterval = .seconds(3_600) }
        let loop = await ServiceLoop.start(validation)
        defer { loop.stop() }
        let id = try await loop.openStaleTip()
        let outcome = await loop.outcomes(of: id) { _ in true }.first
        #expect(outcome == RescueOutcome.caughtUp.name)
        #expect(try await rig.alice.tip == rig.bob.tip)
        let reports = await validation.recentReports()
        #expect(reports.last?.trigger == "stale-tip" && reports.last?.anomalyID == id)
        await rig.stop()
    }

    /// kill -9 of one of Alice's two drivers in the middle of a rescue: it completes through the other.
    @Test("kill -9 of one driver during a rescue: the rescue completes through the other")
    func driverKilledDuringRescue() async throws {
        let rig = try await TwoNodeRig.start(links: 2)
        defer { Task { await rig.stop() } }
        try await rig.diverge(bobAhead: 2_000)
        let validation = rig.validation()
        let rescue = Task { await validation.rescue(trigger: "stale-tip") }
        // Kill the first driver once blocks are flowing (Alice's height moved, far from the end).
        let victim = try #require(rig.aliceStack.snapshot().first { $0.name == "ln-a1" }?.pid)
        var killedAt: Int?
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            let height = try await rig.alice.height
            if height >= 30 {
                kill(victim, SIGKILL)
                killedAt = height
                break
            }
            try await Task.sleep(for: .milliseconds(5))
        }
        let report = await rescue.value
        let at = try #require(killedAt, "the rescue never moved Alice's tip: \(report)")
        #expect(at < 2_005, "the driver was killed only after the rescue was done")
        #expect(report.outcome == .caughtUp, "\(report)")
        #expect(try await rig.alice.tip == rig.bob.tip)
        #expect(report.drivers.contains("ln-a2"))
        #expect(report.blocksSubmitted == 2_000)
        await rig.stop()
    }
}
