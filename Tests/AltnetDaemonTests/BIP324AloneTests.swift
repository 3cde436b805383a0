import BitcoindRPC
import Foundation
import TestSupport
import Testing

/// altnetd with the BIP324 driver alone, connected to another simnode's P2P port (simnode speaks
/// v2 as bitcoind v26 does): the rescue and sendemergencytx over that one transport.
@Suite(.serialized) struct BIP324AloneTests {
    /// Alice (cut off: her simnode has no peers) asks for headers; they come over BIP324 from
    /// Bob's simnode, her simnode ends at Bob's tip. Then an emergency transaction from Alice
    /// reaches Bob's mempool, the per-transport JSON naming bip324 as accepting.
    @Test func rescueAndEmergencyTxOverBIP324() async throws {
        let root = try TempDir.short()
        defer { root.cleanup() }
        let (bobSim, aliceSim) = try await DriverAlone.startSimnodes(root: root.path, bobP2P: 0)
        defer { bobSim.kill(); aliceSim.kill() }
        let (bobRPC, aliceRPC) = (bobSim.rpc, aliceSim.rpc)
        // Recent blocks first: simnode, like Core, ignores getheaders and tx during IBD.
        let mined: [String] = try await bobRPC.call("simgenerate", [25])
        let bobTip = try #require(mined.last)
        let bobP2P = try #require(bobSim.p2pPort, "Bob's simnode did not report a P2P port")

        let alice = try await DriverAlone.startAltnetd(dir: root.path + "/alice", simnode: aliceSim,
                                                        drivers: ["--bip324.connect=127.0.0.1:\(bobP2P)"])
        defer { alice.child.kill() }
        let linked = await DriverAlone.hasPeer(alice.dir, "bip324")
        try #require(linked, "Alice's BIP324 driver never reached Bob's simnode: \(alice.child.stderr.suffix(3000))")
        // altnet-cli listpeers carries the driver's per-peer fields (issue #19: transport, and for
        // discovered peers network, group, source).
        let peers = DriverAlone.array(try await DaemonEndToEndTests.cli(alice.dir, "listpeers").out) ?? []
        #expect(peers.contains { $0["driver"] as? String == "bip324" && $0["transport"] as? String == "v2" && $0["direction"] as? String == "outbound" },
                "\(peers)")
        let drivers = DriverAlone.array(try await DaemonEndToEndTests.cli(alice.dir, "listdrivers").out) ?? []
        #expect(drivers.map { $0["name"] as? String } == ["bip324"], "only the BIP324 driver may run")

        // The rescue: fetchheaders now (an automatic rescue may have started on its own; either
        // way Alice must end at Bob's tip with the headers counted as fetched over bip324).
        let rescue = try await DaemonEndToEndTests.cli(alice.dir, "fetchheaders")
        #expect(rescue.status == 0, "\(rescue.err)")
        let caughtUp = await eventually(timeout: .seconds(45), every: .milliseconds(100)) {
            (try? await aliceRPC.getBestBlockHash().displayHex) == bobTip
        }
        #expect(caughtUp, "Alice did not reach Bob's tip over BIP324: \(rescue.out) \(alice.child.stderr.suffix(3000))")
        let metrics = try await httpGet(port: alice.metricsPort, path: "/metrics")
        #expect(metrics.contains("altnet_headers_fetched_total{driver=\"bip324\"}"), "no headers counted for bip324")
        #expect(metrics.contains("altnet_blocks_fetched_total{driver=\"bip324\"}"), "no blocks counted for bip324")

        // The emergency transaction: Alice -> BIP324 -> Bob's simnode mempool.
        let sent = try await runToEnd(try BuiltProduct.path("sendemergencytx"), ["--datadir", alice.dir, DaemonEndToEndTests.sampleTx])
        #expect(sent.status == 0, "\(sent.err)")
        let report = try DaemonEndToEndTests.json(sent.out)
        let txid = try #require(report["txid"] as? String)
        let transports = report["transports"] as? [[String: Any]] ?? []
        #expect(transports.contains { $0["transport"] as? String == "bip324" && $0["accepted"] as? Bool == true }, "\(sent.out)")
        #expect(report["state"] as? String != nil && report["wtxid"] as? String != nil, "\(sent.out)")
        let reached = await eventually(timeout: .seconds(20), every: .milliseconds(100)) { await DriverAlone.inMempool(bobRPC, txid) }
        #expect(reached, "the transaction did not reach Bob's mempool over BIP324")
    }
}
