import AltLogic
import Altstack
import BitcoinPrimitives
import DriverProtocol
import Foundation
import Secp256k1
import Testing
import TestSupport

/// Issue 14: a node id ground to sort first does not get every request. The old Lightning driver
/// answered an unaddressed request from the lowest node id, so a peer that generated keys until
/// its id sorted first answered every rescue. Five Lightning peers (one ground), the core asking
/// two per rescue, fifty rescues: the requests, counted at the peers, spread over all five.
@Suite(.serialized, .timeLimit(.minutes(3))) struct GroundNodeIDTests {
    static let peers = 5
    static let rescues = 50
    static let perDriver = 2

    @Test("a Lightning node id ground to sort first does not always get the request: over 50 rescues, requests spread")
    func groundNodeIDDoesNotDecide() async throws {
        try await FanoutRig.with { rig in
            try await rig.alice.mine(6)
            let chain = try await rig.plainNode()
            try await chain.copyBlocks(from: rig.alice)
            // Four honest keys, then the attacker's, ground to sort below all of them.
            let honest = (1..<Self.peers).map { _ in PrivateKey() }
            let ground = LightningPeer.keySortingFirst(below: honest.map { Hex.encode($0.publicKey.serialized(compressed: true)) })
            var peers: [LightningPeer] = []
            for (index, key) in ([ground] + honest).enumerated() {
                // Each on its own loopback /16: five network groups, so two answers meet the quorum.
                peers.append(try rig.lightningPeer("peer-\(index)", key: key, host: "127.\(10 + index).0.1", serving: chain))
            }
            try rig.startAlice(lightning: peers.map(\.target))
            try #require(await rig.waitForPeers("ln", Set(peers.map(\.nodeID))), "not all peers connected: \(rig.aliceDrivers)")
            let listed = rig.aliceStack?.snapshot().first?.peers.map(\.id).sorted() ?? []
            #expect(listed.first == peers[0].nodeID, "the ground id sorts first among \(listed)")

            let validation = try rig.validation {
                $0.peersPerDriver = Self.perDriver
                $0.quorum = 2
            }
            let started = ContinuousClock.now
            var outcomes: [String: Int] = [:]
            for _ in 0..<Self.rescues {
                let report = await validation.rescue(trigger: "crosscheck")
                outcomes[report.outcome.name, default: 0] += 1
            }
            let took = ContinuousClock.now - started
            let counts = peers.map(\.getheadersReceived)
            let total = counts.reduce(0, +)
            // Every rescue ended with two independent "nothing better" answers.
            #expect(outcomes == ["no-better-chain": Self.rescues], "\(outcomes)")
            #expect(total >= Self.rescues * Self.perDriver, "getheaders at the peers: \(counts)")
            // The ground peer is one of five: asked in about 2 of 5 rescues, far from all of them.
            #expect(counts[0] < total && counts[0] <= Self.rescues * 3 / 4, "ground peer got \(counts[0]) of \(total): \(counts)")
            // Each peer was asked at least a few times (expected about 20 each; fewer than 5 has
            // probability below 1e-6 per peer when 2 of 5 are drawn at random per rescue).
            #expect(counts.allSatisfy { $0 >= 5 }, "getheaders per peer (ground first): \(counts)")
            #expect(took < .seconds(60), "\(Self.rescues) rescues took \(took)")
        }
    }
}
