import BitcoindRPC
import Foundation
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Two altnetd processes, Alice and Bob, each beside its own simnode, linked by their Lightning
/// drivers (Alice connects to Bob's node id, read from Bob's getinfo).
@Suite(.serialized) struct TwoNodeTests {
    /// Bob's and Alice's simnodes and altnetds, Alice's Lightning driver dialling Bob's.
    struct LinkedPair {
        let bobSim: SimnodeChild
        let aliceSim: SimnodeChild
        let bob: DaemonEndToEndTests.Node
        let alice: DaemonEndToEndTests.Node
        /// The blocks mined on Bob's simnode before the daemons started.
        let mined: [String]

        /// SIGKILLs all four processes.
        func kill() {
            alice.child.kill()
            bob.child.kill()
            aliceSim.kill()
            bobSim.kill()
        }
    }

    /// Starts the pair under `root` (when a step fails, what was started is killed as it is
    /// released).
    /// - Parameters:
    ///   - bobBlocks: blocks mined on Bob's simnode first.
    ///   - aliceExtra: more altnetd flags for Alice.
    static func startLinkedPair(root: String, bobBlocks: Int, aliceExtra: [String] = []) async throws -> LinkedPair {
        let (bobSim, aliceSim) = try await DriverAlone.startSimnodes(root: root)
        let mined: [String] = try await bobSim.rpc.call("simgenerate", [.int(bobBlocks)])
        let bobPort = try FreePort.loopback()
        let bob = try await DaemonEndToEndTests.startDaemon(dir: root + "/bob", simnode: bobSim, lightningListen: bobPort)
        let bobInfo = try DaemonEndToEndTests.json(try await DaemonEndToEndTests.cli(bob.dir, "getinfo").out)
        let bobID = try #require((bobInfo["lightning"] as? [String: Any])?["nodeid"] as? String)
        let alice = try await DaemonEndToEndTests.startDaemon(
            dir: root + "/alice", simnode: aliceSim, extra: ["--lightning.connect=\(bobID)@127.0.0.1:\(bobPort)"] + aliceExtra)
        return LinkedPair(bobSim: bobSim, aliceSim: aliceSim, bob: bob, alice: alice, mined: mined)
    }

    /// fetchheaders on Alice catches her simnode up to Bob's tip over Lightning; an emergency
    /// transaction sent on Alice reaches Bob's mempool through the Lightning driver.
    @Test func rescueAndEmergencyTxOverLightning() async throws {
        let root = try TempDir.short()
        defer { root.cleanup() }
        let pair = try await Self.startLinkedPair(root: root.path, bobBlocks: 12)
        defer { pair.kill() }
        let (bob, alice, bobRPC, aliceRPC, mined) = (pair.bob, pair.alice, pair.bobSim.rpc, pair.aliceSim.rpc, pair.mined)

        let linked = await eventually(timeout: .seconds(30), every: .milliseconds(100)) {
            guard let peers = try? await DaemonEndToEndTests.cli(alice.dir, "listpeers"),
                  let list = try? JSONSerialization.jsonObject(with: Data(peers.out.utf8)) as? [[String: Any]] else { return false }
            return list.contains { $0["driver"] as? String == "lightning" }
        }
        try #require(linked, "Alice's Lightning driver never reached Bob: \(alice.child.stderr)")

        // Rescue: Alice shares one block with Bob, who is 12 blocks ahead. Alice's altnetd may already
        // be rescuing on its own (the stale-tip anomaly): fetchheaders joins a running rescue, and
        // finds nothing better only when Alice was at Bob's tip before it was called.
        let before = try await aliceRPC.getBestBlockHash().displayHex
        let rescue = try await DaemonEndToEndTests.cli(alice.dir, "fetchheaders")
        #expect(rescue.status == 0, "\(rescue.err)")
        let report = try DaemonEndToEndTests.json(rescue.out)
        let outcome = report["outcome"] as? String
        if outcome == "no-better-chain" && before != mined.last {
            // An automatic rescue finished between the two calls: it must have caught up.
            let metrics = try await httpGet(port: alice.metricsPort, path: "/metrics")
            let rescued = metrics.split(separator: "\n").contains {
                $0.hasPrefix("altnet_rescues_total") && $0.contains("outcome=\"caught-up\"")
            }
            #expect(rescued, "no rescue caught up: \(rescue.out)")
        } else {
            #expect(outcome == (before == mined.last ? "no-better-chain" : "caught-up"), "\(rescue.out)")
        }
        let tips = try await DaemonEndToEndTests.cli(alice.dir, "getaltchaintips")
        let bobTip = try #require(mined.last)
        #expect(tips.status == 0 && tips.out.contains(bobTip), "\(tips.out)")
        let caughtUp = await eventually(timeout: .seconds(60), every: .milliseconds(100)) {
            (try? await aliceRPC.getBestBlockHash().displayHex) == mined.last
        }
        #expect(caughtUp, "Alice did not reach Bob's tip: \(rescue.out)")

        // Emergency transaction: Alice -> Lightning -> Bob's altnetd -> Bob's simnode mempool.
        let sent = try await runToEnd(try BuiltProduct.path("sendemergencytx"), ["--datadir", alice.dir, DaemonEndToEndTests.sampleTx])
        #expect(sent.status == 0, "\(sent.err)")
        let sentReport = try DaemonEndToEndTests.json(sent.out)
        let txid = try #require(sentReport["txid"] as? String)
        let transports = sentReport["transports"] as? [[String: Any]] ?? []
        #expect(transports.contains { $0["transport"] as? String == "lightning" && $0["accepted"] as? Bool == true }, "\(sent.out)")
        // Bob's altnetd acknowledged receipt over the altnet session (an inv of the wtxid), and
        // Alice reports it beside the peer she sent it to.
        let bobID = try #require((try DaemonEndToEndTests.json(try await DaemonEndToEndTests.cli(bob.dir, "getinfo").out)["lightning"]
            as? [String: Any])?["nodeid"] as? String)
        let lightning = transports.first { $0["transport"] as? String == "lightning" }?["detail"] as? String
        #expect(lightning == "sent to 1 peer: \(bobID); acknowledged by 1 altnet peer: \(bobID)", "\(sent.out)")
        let reached = await eventually(timeout: .seconds(20), every: .milliseconds(100)) {
            (try? await bobRPC.getRawMempool().map(\.displayHex).contains(txid)) == true
        }
        #expect(reached, "the transaction did not reach Bob's mempool: \(bob.child.stderr.suffix(2000))")
        // The work shows in each node's metrics.
        let aliceMetrics = try await httpGet(port: alice.metricsPort, path: "/metrics")
        for name in ["altnet_headers_fetched_total", "altnet_blocks_fetched_total", "altnet_rescues_total",
                     "altnet_emergency_txs_total", "altnet_peers{driver=\"lightning\"} 1"] {
            #expect(aliceMetrics.contains(name), "\(name) missing from Alice's /metrics")
        }
        let bobMetrics = try await httpGet(port: bob.metricsPort, path: "/metrics")
        #expect(bobMetrics.contains("altnet_serving_requests_total"), "Bob's /metrics has no serving counter")
    }

    /// Without any command: AltLogicValidation in Alice's altnetd (reacting to the stale-tip
    /// anomaly, or its cross-check, every second here) sees Bob's chain with more work over
    /// Lightning and catches her simnode up on its own.
    @Test func crossCheckCatchesUpUnasked() async throws {
        let root = try TempDir.short()
        defer { root.cleanup() }
        let pair = try await Self.startLinkedPair(root: root.path, bobBlocks: 7, aliceExtra: ["--watchdog.crosscheckseconds=1"])
        defer { pair.kill() }
        let (alice, aliceRPC, mined) = (pair.alice, pair.aliceSim.rpc, pair.mined)
        let caughtUp = await eventually(timeout: .seconds(60), every: .milliseconds(100)) {
            (try? await aliceRPC.getBestBlockHash().displayHex) == mined.last
        }
        #expect(caughtUp, "Alice's cross-check did not catch up: \(alice.child.stderr.suffix(3000))")
    }
}
