import AltLogic
import Altstack
import BitcoinPrimitives
import Foundation
import Secp256k1
import Testing
import TestSupport

/// Issue 14, "It must show", first bullet: a rescue asks several peers, so a peer that is merely
/// behind, withholds or lies lower-work cannot make it conclude "all is well" while an honest
/// peer ahead is connected. Real simnodes and driver processes on loopback; Alice's
/// AltLogicValidation through its public API.
///
/// On the old core (one peer per rescue, the driver's choice: the first connected BIP324 peer,
/// the lowest Lightning node id) each of these ends `no-better-chain` with Alice behind.
@Suite(.serialized, .timeLimit(.minutes(3))) struct FanoutRescueTests {
    /// Blocks Alice has; the honest peer is `ahead` more.
    static let aliceHeight = 10
    static let ahead = 7

    @Test("BIP324 alone: a peer at Alice's height connected first and one 7 blocks ahead connected later: Alice reaches the tip ahead")
    func bip324WithholderThenHonest() async throws {
        try await FanoutRig.with { rig in
            try await rig.alice.mine(Self.aliceHeight)
            let w = try await rig.peerNode(host: "127.0.0.1")
            try await w.copyBlocks(from: rig.alice)
            let idW = "127.0.0.1:\(try #require(w.p2pPort))"
            // H's port is reserved now; H itself starts once W is connected, and Alice's
            // driver reaches it on its next reconnection attempt.
            let hPort = try FreePort.loopback(host: "127.1.0.1")
            let idH = "127.1.0.1:\(hPort)"
            try rig.startAlice(bip324: [idW, idH])
            try #require(await rig.waitForPeers("bip324", [idW]), "W never connected: \(rig.aliceDrivers)")
            let h = try await rig.peerNode(host: "127.1.0.1", port: hPort)
            try await h.copyBlocks(from: rig.alice)
            try await h.mine(Self.ahead)
            try #require(await rig.waitForPeers("bip324", [idW, idH]), "H never connected: \(rig.aliceDrivers)")
            let listed = rig.aliceStack?.snapshot().first?.peers ?? []
            #expect(listed.first { $0.id == idH }?.startHeight == Self.aliceHeight + Self.ahead, "\(listed)")

            let report = try await rig.validation().rescue(trigger: "stale-tip")
            let sources = SourceAnswers(report)
            #expect(report.outcome.name == "caught-up", "\(report) sources: \(sources.summary)")
            #expect(try await rig.alice.tip == h.tip)
            #expect(try await rig.alice.height == Self.aliceHeight + Self.ahead)
            #expect(sources.answer("bip324", idH) == "better", "\(sources.summary)")
            #expect(sources.answer("bip324", idW) == "nothing-better", "\(sources.summary)")
        }
    }

    @Test("Lightning alone: a peer at Alice's height (lowest node id, connected first) and one 7 blocks ahead connected later: Alice reaches the tip ahead")
    func lightningWithholderThenHonest() async throws {
        try await FanoutRig.with { rig in
            try await rig.alice.mine(Self.aliceHeight)
            let chainW = try await rig.plainNode()
            try await chainW.copyBlocks(from: rig.alice)
            let chainH = try await rig.plainNode()
            try await chainH.copyBlocks(from: rig.alice)
            try await chainH.mine(Self.ahead)
            // H's key first, so W's can be ground to sort below it (the old rule's pick).
            let keyH = PrivateKey()
            let idH = Hex.encode(keyH.publicKey.serialized(compressed: true))
            let keyW = LightningPeer.keySortingFirst(below: [idH])
            let w = try rig.lightningPeer("peer-w", key: keyW, host: "127.0.0.1", serving: chainW)
            let hPort = try FreePort.loopback(host: "127.1.0.1")
            try rig.startAlice(lightning: [w.target, "\(idH)@127.1.0.1:\(hPort)"])
            try #require(await rig.waitForPeers("ln", [w.nodeID]), "W never connected: \(rig.aliceDrivers)")
            let h = try rig.lightningPeer("peer-h", key: keyH, host: "127.1.0.1", port: hPort, serving: chainH)
            try #require(await rig.waitForPeers("ln", [w.nodeID, h.nodeID]), "H never connected: \(rig.aliceDrivers)")

            let report = try await rig.validation().rescue(trigger: "stale-tip")
            let sources = SourceAnswers(report)
            #expect(report.outcome.name == "caught-up", "\(report) sources: \(sources.summary)")
            #expect(try await rig.alice.tip == chainH.tip)
            #expect(h.getheadersReceived >= 1 && w.getheadersReceived >= 1, "W \(w.getheadersReceived), H \(h.getheadersReceived)")
            #expect(sources.answer("ln", h.nodeID) == "better", "\(sources.summary)")
            #expect(sources.answer("ln", w.nodeID) == "nothing-better", "\(sources.summary)")
        }
    }

    @Test("a peer lying with a lower-work fork, connected first, and an honest peer ahead: Alice reaches the honest tip")
    func lowerWorkLiarAndHonest() async throws {
        try await FanoutRig.with { rig in
            // A shared history of 5; the liar L branches off with 3 blocks of its own (less work
            // than Alice's 10), the honest H has Alice's 10 and 7 more.
            try await rig.alice.mine(Self.aliceHeight)
            let l = try await rig.peerNode(host: "127.0.0.1")
            try await l.copyBlocks(from: rig.alice, through: 5)
            try await l.mineOwn(3)
            let idL = "127.0.0.1:\(try #require(l.p2pPort))"
            let hPort = try FreePort.loopback(host: "127.1.0.1")
            let idH = "127.1.0.1:\(hPort)"
            try rig.startAlice(bip324: [idL, idH])
            try #require(await rig.waitForPeers("bip324", [idL]), "L never connected: \(rig.aliceDrivers)")
            let h = try await rig.peerNode(host: "127.1.0.1", port: hPort)
            try await h.copyBlocks(from: rig.alice)
            try await h.mine(Self.ahead)
            try #require(await rig.waitForPeers("bip324", [idL, idH]), "H never connected: \(rig.aliceDrivers)")
            let tipsBefore = try await rig.alice.rpc.getChainTips()

            let report = try await rig.validation().rescue(trigger: "stale-tip")
            let sources = SourceAnswers(report)
            #expect(report.outcome.name == "caught-up", "\(report) sources: \(sources.summary)")
            #expect(try await rig.alice.tip == h.tip)
            #expect(sources.answer("bip324", idH) == "better", "\(sources.summary)")
            #expect(sources.answer("bip324", idL) == "nothing-better", "\(sources.summary)")
            // Nothing of the liar's branch reached Alice's bitcoind: her only new tips are H's.
            let lTip = try await l.tip
            #expect(try await rig.alice.rpc.getChainTips().allSatisfy { $0.hash != lTip }, "before: \(tipsBefore)")
        }
    }
}
