import AltLogic
import Altstack
import Foundation
import Testing
import TestSupport

/// Issue 14: an empty or lower-work `headers` answer is "this peer has nothing better", not
/// proof. `no-better-chain` needs `quorum` independent sources (distinct driver and network
/// group) that answered; fewer answers are `inconclusive`. The peers listen on distinct loopback
/// /16s (127.0.0.1, 127.1.0.1), so each is its own network group.
///
/// On the old core one empty answer is enough: the first test's silent peer fails the rescue
/// (or it concludes no-better-chain from the other one), the second concludes no-better-chain.
@Suite(.serialized, .timeLimit(.minutes(3))) struct FanoutQuorumTests {
    @Test("all peers at Alice's height: no-better-chain only once quorum (2) answers arrived")
    func noBetterChainNeedsQuorum() async throws {
        try await FanoutRig.with { rig in
            try await rig.alice.mine(8)
            // P1, connected first, is silent: a node in initial block download ignores getheaders.
            let p1 = try await rig.peerNode(host: "127.0.0.1")
            try await p1.copyBlocks(from: rig.alice)
            try await p1.rpc.simSetInitialBlockDownload(true)
            let id1 = "127.0.0.1:\(try #require(p1.p2pPort))"
            let p2Port = try FreePort.loopback(host: "127.1.0.1")
            let id2 = "127.1.0.1:\(p2Port)"
            try rig.startAlice(bip324: [id1, id2])
            try #require(await rig.waitForPeers("bip324", [id1]), "P1 never connected: \(rig.aliceDrivers)")
            let p2 = try await rig.peerNode(host: "127.1.0.1", port: p2Port)
            try await p2.copyBlocks(from: rig.alice)
            try #require(await rig.waitForPeers("bip324", [id1, id2]), "P2 never connected: \(rig.aliceDrivers)")
            let validation = try rig.validation { $0.quorum = 2 }
            let tipBefore = try await rig.alice.tip

            // One answer of two: not enough.
            let started = ContinuousClock.now
            let partial = await validation.rescue(trigger: "stale-tip")
            let partialSources = SourceAnswers(partial)
            #expect(partial.outcome.name == "inconclusive", "\(partial) sources: \(partialSources.summary)")
            #expect(partialSources.answer("bip324", id2) == "nothing-better", "\(partialSources.summary)")
            #expect(partialSources.answer("bip324", id1) == "no-answer", "\(partialSources.summary)")
            #expect(ContinuousClock.now - started < .seconds(30), "a silent peer must cost one request timeout, not the rescue's")

            // P1 answers again: two independent "nothing better" answers meet the quorum.
            try await p1.rpc.simSetInitialBlockDownload(false)
            let full = await validation.rescue(trigger: "stale-tip")
            let fullSources = SourceAnswers(full)
            #expect(full.outcome.name == "no-better-chain", "\(full) sources: \(fullSources.summary)")
            #expect(fullSources.answer("bip324", id1) == "nothing-better", "\(fullSources.summary)")
            #expect(fullSources.answer("bip324", id2) == "nothing-better", "\(fullSources.summary)")
            #expect(full.headersSubmitted == 0 && full.blocksSubmitted == 0)
            #expect(try await rig.alice.tip == tipBefore)
        }
    }

    @Test("all peers at Alice's height, one peer only: inconclusive")
    func onePeerIsInconclusive() async throws {
        try await FanoutRig.with { rig in
            try await rig.alice.mine(8)
            let p1 = try await rig.peerNode(host: "127.0.0.1")
            try await p1.copyBlocks(from: rig.alice)
            let id1 = "127.0.0.1:\(try #require(p1.p2pPort))"
            try rig.startAlice(bip324: [id1])
            try #require(await rig.waitForPeers("bip324", [id1]), "P1 never connected: \(rig.aliceDrivers)")

            let report = try await rig.validation { $0.quorum = 2 }.rescue(trigger: "stale-tip")
            let sources = SourceAnswers(report)
            #expect(report.outcome.name == "inconclusive", "\(report) sources: \(sources.summary)")
            #expect(sources.answer("bip324", id1) == "nothing-better", "\(sources.summary)")
            #expect(report.headersSubmitted == 0 && report.blocksSubmitted == 0)
        }
    }
}
