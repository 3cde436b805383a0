import BitcoindRPC
import Foundation
import TestSupport
import Testing

/// altnetd with the Esplora driver alone, its one source an Esplora-API server
/// (integration/esplora_server.py) in front of Bob's simnode: the rescue, headers and blocks,
/// and sendemergencytx over HTTP.
@Suite(.serialized) struct EsploraAloneTests {
    /// integration/esplora_server.py's arguments to serve `simnode`'s chain.
    static func serverArguments(_ simnode: SimnodeChild) -> [String] {
        ["--simnode-rpc", "http://127.0.0.1:\(simnode.rpcPort)/", "--cookie", simnode.cookiePath]
    }

    /// The server's URL, once it says it is listening (within 20 s).
    static func url(of server: JSONLinesChild) async throws -> String {
        let listening = try await server.waitFor(timeout: .seconds(20)) { $0["event"] as? String == "listening" }
        return "http://127.0.0.1:\(try #require(listening["port"] as? Int))"
    }

    /// Alice (cut off: her simnode has no peers) asks for headers; they and the blocks come over
    /// the Esplora API from Bob's simnode, her simnode ends at Bob's tip. Then an emergency
    /// transaction from Alice is posted (`POST /tx`) and reaches Bob's mempool.
    @Test func rescueAndEmergencyTxOverEsplora() async throws {
        let root = try TempDir.short()
        defer { root.cleanup() }
        let (bobSim, aliceSim) = try await DriverAlone.startSimnodes(root: root.path)
        defer { bobSim.kill(); aliceSim.kill() }
        let (bobRPC, aliceRPC) = (bobSim.rpc, aliceSim.rpc)
        let mined: [String] = try await bobRPC.call("simgenerate", [25])
        let bobTip = try #require(mined.last)

        let server = try JSONLinesChild.python("esplora_server.py", Self.serverArguments(bobSim))
        defer { server.kill() }
        let url = try await Self.url(of: server)

        let alice = try await DriverAlone.startAltnetd(dir: root.path + "/alice", simnode: aliceSim, drivers: ["--esplora.url=\(url)"])
        defer { alice.child.kill() }
        let linked = await DriverAlone.hasPeer(alice.dir, "esplora")
        try #require(linked, "Alice's Esplora driver lists no source: \(alice.child.stderr.suffix(3000))")
        let drivers = DriverAlone.array(try await DaemonEndToEndTests.cli(alice.dir, "listdrivers").out) ?? []
        #expect(drivers.map { $0["name"] as? String } == ["esplora"], "only the Esplora driver may run")

        let rescue = try await DaemonEndToEndTests.cli(alice.dir, "fetchheaders")
        #expect(rescue.status == 0, "\(rescue.err)")
        let caughtUp = await eventually(timeout: .seconds(60), every: .milliseconds(100)) {
            (try? await aliceRPC.getBestBlockHash().displayHex) == bobTip
        }
        #expect(caughtUp, "Alice did not reach Bob's tip over Esplora: \(rescue.out) \(alice.child.stderr.suffix(3000))")
        let metrics = try await httpGet(port: alice.metricsPort, path: "/metrics")
        #expect(metrics.contains("altnet_headers_fetched_total{driver=\"esplora\"}"), "no headers counted for esplora")
        #expect(metrics.contains("altnet_blocks_fetched_total{driver=\"esplora\"}"), "no blocks counted for esplora")

        // The emergency transaction: Alice -> Esplora POST /tx -> Bob's simnode mempool.
        let sent = try await runToEnd(try BuiltProduct.path("sendemergencytx"), ["--datadir", alice.dir, DaemonEndToEndTests.sampleTx])
        #expect(sent.status == 0, "\(sent.err)")
        let report = try DaemonEndToEndTests.json(sent.out)
        let txid = try #require(report["txid"] as? String)
        let transports = report["transports"] as? [[String: Any]] ?? []
        #expect(transports.contains { $0["transport"] as? String == "esplora" && $0["accepted"] as? Bool == true }, "\(sent.out)")
        let reached = await eventually(timeout: .seconds(20), every: .milliseconds(100)) { await DriverAlone.inMempool(bobRPC, txid) }
        #expect(reached, "the transaction did not reach Bob's mempool over Esplora")
        #expect(server.events("tx").contains { $0["txid"] as? String == txid }, "POST /tx was not the way it went")
    }

    /// Two sources in front of Bob's simnode, one lying at height 15 (a different header there):
    /// the core's fan-out asks both through the one driver, the driver logs the disagreement
    /// (copied into altnetd's log), and Alice still ends at Bob's tip, the real block at 15.
    @Test func lyingSourceIsReportedAndTheValidChainWins() async throws {
        let root = try TempDir.short()
        defer { root.cleanup() }
        let (bobSim, aliceSim) = try await DriverAlone.startSimnodes(root: root.path)
        defer { bobSim.kill(); aliceSim.kill() }
        let (bobRPC, aliceRPC) = (bobSim.rpc, aliceSim.rpc)
        let mined: [String] = try await bobRPC.call("simgenerate", [25])
        let bobTip = try #require(mined.last)

        var urls: [String] = []
        var servers: [JSONLinesChild] = []
        defer { servers.forEach { $0.kill() } }
        for lie in [[], ["--lie-height", "15"]] {
            let server = try JSONLinesChild.python("esplora_server.py", Self.serverArguments(bobSim) + lie)
            servers.append(server)
            urls.append(try await Self.url(of: server))
        }
        let (honest, liar) = (urls[0], urls[1])

        let alice = try await DriverAlone.startAltnetd(
            dir: root.path + "/alice", simnode: aliceSim, drivers: ["--esplora.url=\(honest),\(liar)"])
        defer { alice.child.kill() }
        let rescue = try await DaemonEndToEndTests.cli(alice.dir, "fetchheaders")
        #expect(rescue.status == 0, "\(rescue.err)")
        let caughtUp = await eventually(timeout: .seconds(60), every: .milliseconds(100)) {
            (try? await aliceRPC.getBestBlockHash().displayHex) == bobTip
        }
        #expect(caughtUp, "Alice did not reach Bob's tip: \(rescue.out) \(alice.child.stderr.suffix(3000))")
        let atFifteen = try await aliceRPC.getBlockHash(height: 15)
        #expect(atFifteen.displayHex == mined[13], "Alice's block 15 is the real one")
        let reported = await eventually(timeout: .seconds(20), every: .milliseconds(100)) {
            alice.child.stderr.contains("sources disagree at height 15")
        }
        #expect(reported, "no disagreement in altnetd's log: \(alice.child.stderr.suffix(3000))")
        let line = alice.child.stderr.split(separator: "\n").first { $0.contains("sources disagree at height 15") } ?? ""
        #expect(line.contains(liar) && line.contains(honest), "\(line)")
    }

    /// Without `fetchheaders` and with the stale-tip and periodic checks far off: Bob's simnode
    /// mines, the Esplora server's tip height rises, the driver announces it as the source's
    /// `start_height`, and altnetd cross-checks on that hint and brings Alice to Bob's tip.
    @Test func aHigherSourceTipStartsACrossCheck() async throws {
        let root = try TempDir.short()
        defer { root.cleanup() }
        let (bobSim, aliceSim) = try await DriverAlone.startSimnodes(root: root.path)
        defer { bobSim.kill(); aliceSim.kill() }
        let server = try JSONLinesChild.python("esplora_server.py", Self.serverArguments(bobSim))
        defer { server.kill() }
        let url = try await Self.url(of: server)
        let alice = try await DriverAlone.startAltnetd(
            dir: root.path + "/alice", simnode: aliceSim, drivers: ["--esplora.url=\(url)", "--esplora.poll=1"],
            extra: ["--watchdog.staletipseconds=3600", "--watchdog.crosscheckseconds=3600"])
        defer { alice.child.kill() }
        #expect(await DriverAlone.hasPeer(alice.dir, "esplora"))

        let mined: [String] = try await bobSim.rpc.call("simgenerate", [5])
        let bobTip = try #require(mined.last)
        let caughtUp = await eventually(timeout: .seconds(60), every: .milliseconds(100)) {
            (try? await aliceSim.rpc.getBestBlockHash().displayHex) == bobTip
        }
        #expect(caughtUp, "Alice did not reach Bob's tip: \(alice.child.stderr.suffix(3000))")
        #expect(alice.child.stderr.contains("a peer announced a height above bitcoind's tip"), "\(alice.child.stderr.suffix(3000))")
    }
}
