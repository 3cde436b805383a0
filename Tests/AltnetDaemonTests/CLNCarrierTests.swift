import BitcoinPrimitives
import BitcoindRPC
import Foundation
import TestSupport
import Testing

/// The Core Lightning carrier end to end (issue 21): two lightningd stand-ins
/// (integration/cln_standin.py, Core Lightning's plugin protocol and JSON-RPC shapes) linked back
/// to back, each running `altnet-cln-plugin` and serving an altnetd whose only driver is `[cln]`.
/// Each stand-in also has a connected peer without the altnet bit and an altnet peer that is not
/// connected.
@Suite(.serialized) struct CLNCarrierTests {
    static let aliceID = "02" + String(repeating: "a1", count: 32)
    static let bobID = "03" + String(repeating: "b0", count: 32)

    /// Alice's simnode is behind and has no P2P peers; her altnetd reaches Bob's chain over the
    /// CLN carrier alone (lightningd stand-ins and their plugins) and her simnode ends at Bob's
    /// tip; an emergency transaction goes the same way into Bob's mempool. No stand-in is ever
    /// asked to send an altnet message to its plain or offline peer, and every custommsg hook
    /// call is answered `continue`. Also: every altnet-capable peer is asked (three silent ones
    /// added), a 108 kB block crosses in fragments, a killed driver comes back for a second
    /// rescue, and peers coming and going reach the driver through lightningd's notifications.
    /// Nothing is left running afterwards: altnetds, drivers, simnodes, stand-ins, and the plugins
    /// (which exit when their lightningd's pipe closes).
    @Test func rescueOverCoreLightningAlone() async throws {
        var plugins: [Int32] = []
        try await OpenDriverSetTests.leavingNoProcess {
            plugins = try await Self.rescue()
        }
        #expect(plugins.count == 2, "two altnet-cln-plugin processes, one per lightningd")
        let gone = await eventually(timeout: .seconds(5), every: .milliseconds(50)) { !plugins.contains(where: isAlive) }
        #expect(gone, "altnet-cln-plugin outlived its lightningd: \(plugins.filter(isAlive))")
    }

    /// A well-formed transaction (simnode takes any: it has no UTXO set) of about
    /// `outputs` x 9 kB: each output script is OP_RETURN and 8,999 zeros.
    static func largeTransaction(outputs: Int) -> String {
        var tx: [UInt8] = [2, 0, 0, 0, 1] + [UInt8](repeating: 0x5a, count: 32) + [0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]
        tx += [UInt8(outputs)]
        for _ in 0..<outputs {
            tx += [UInt8](repeating: 0, count: 8) + [0xfd, 0x28, 0x23] + [0x6a] + [UInt8](repeating: 0, count: 8_999)
        }
        return Hex.encode(tx + [0, 0, 0, 0])
    }

    /// The test's body; returns the plugins' process ids.
    static func rescue() async throws -> [Int32] {
        let root = try TempDir.short()
        defer { root.cleanup() }
        let (bobSim, aliceSim) = try await DriverAlone.startSimnodes(root: root.path)
        defer { bobSim.kill(); aliceSim.kill() }
        var mined: [String] = try await bobSim.rpc.call("simgenerate", [.int(15)])
        // One block of Bob's carries a 108 kB transaction: more than one Lightning message, so it
        // crosses lightningd in altnet_fragments (type 42003).
        let _: String = try await bobSim.rpc.call("sendrawtransaction", [.string(Self.largeTransaction(outputs: 12))])
        mined += try await bobSim.rpc.call("simgenerate", [.int(1)]) as [String]
        let bobTip = try #require(mined.last)
        let plugin = try BuiltProduct.path("altnet-cln-plugin")

        // Bob's lightningd listens for the link, Alice's dials it.
        let bobLN = try JSONLinesChild.python("cln_standin.py", [
            "--lightning-dir", root.path + "/bln", "--plugin", plugin, "--node-id", Self.bobID,
            "--plugin-opt", "altnet-datadir=\(root.path)/bob", "--listen",
        ])
        defer { bobLN.kill() }
        let ready = try await bobLN.waitFor(timeout: .seconds(30)) { $0["event"] as? String == "ready" }
        let port = try #require(ready["port"] as? Int)
        let bob = try await DriverAlone.startAltnetd(dir: root.path + "/bob", simnode: bobSim,
                                                     drivers: ["--cln.lightningdir=\(root.path)/bln", "--cln.listpeers_ms=200"])
        defer { bob.child.kill() }
        let alice = try await DriverAlone.startAltnetd(dir: root.path + "/alice", simnode: aliceSim,
                                                       drivers: ["--cln.lightningdir=\(root.path)/aln", "--cln.listpeers_ms=60000"],
                                                       extra: ["--watchdog.peersperdriver=4"])
        defer { alice.child.kill() }
        // Both altnetds first: Alice's lightningd starts after her altnetd (its driver finds no
        // lightning-rpc at first, the plugin dials the driver's socket with backoff) and her driver
        // polls listpeers only once a minute, so it learns of Bob from the plugin (lightningd's
        // `connect` notification, or the first message from a peer it does not know).
        let aliceLN = try JSONLinesChild.python("cln_standin.py", [
            "--lightning-dir", root.path + "/aln", "--plugin", plugin, "--node-id", Self.aliceID,
            "--plugin-opt", "altnet-datadir=\(root.path)/alice", "--connect", "\(port)", "--extra-altnet", "3",
        ])
        defer { aliceLN.kill() }
        try await aliceLN.waitFor(timeout: .seconds(30)) { $0["event"] as? String == "linked" }
        // Alice's hub has three more altnet-capable channel partners, which never answer.
        let extras = try #require(aliceLN.events("ready").first?["extra"] as? [String])
        let plugins = ChildProcesses.descendants().filter { $0.command == plugin }.map(\.pid)
        let plain = try #require(ready["plain"] as? String)
        let offline = try #require(ready["offline"] as? String)

        let drivers = DriverAlone.array(try await DaemonEndToEndTests.cli(alice.dir, "listdrivers").out) ?? []
        #expect(drivers.map { $0["name"] as? String } == ["cln"], "only the cln driver may run: \(drivers)")

        // Alice's driver lists lightningd's connected peers: Bob with altnet, the plain peer without.
        let listed = await eventually(timeout: .seconds(30), every: .milliseconds(100)) {
            let peers = DriverAlone.array((try? await DaemonEndToEndTests.cli(alice.dir, "listpeers"))?.out ?? "") ?? []
            return peers.contains { $0["id"] as? String == Self.bobID && $0["altnet"] as? Bool != false }
                && peers.contains { $0["id"] as? String == plain && $0["altnet"] as? Bool == false }
        }
        try #require(listed, "Alice's cln driver never listed Bob and the plain peer: \(alice.child.stderrTail(3000))")
        // The plugin's socket: mode 0600 in the driver's 0700 data directory.
        #expect(mode(alice.dir + "/cln") == 0o700, "\(String(describing: mode(alice.dir + "/cln")))")
        #expect(mode(alice.dir + "/cln/plugin.sock") == 0o600, "\(String(describing: mode(alice.dir + "/cln/plugin.sock")))")
        let peers = DriverAlone.array(try await DaemonEndToEndTests.cli(alice.dir, "listpeers").out) ?? []
        #expect(!peers.contains { $0["id"] as? String == offline }, "a peer that is not connected is not listed: \(peers)")

        // The rescue: fetchheaders (an automatic one may already run); Alice ends at Bob's tip.
        let rescueStart = ContinuousClock.now
        let rescue = try await DaemonEndToEndTests.cli(alice.dir, "fetchheaders")
        #expect(rescue.status == 0, "\(rescue.err)")
        let caughtUp = await eventually(timeout: .seconds(60), every: .milliseconds(100)) {
            (try? await aliceSim.rpc.getBestBlockHash().displayHex) == bobTip
        }
        let took = ContinuousClock.now - rescueStart
        print("CLN carrier: Alice at Bob's tip (16 blocks, one of 108 kB) \(took.components.seconds * 1000 + took.components.attoseconds / 1_000_000_000_000_000) ms after fetchheaders")
        #expect(caughtUp, "Alice did not reach Bob's tip over CLN: \(rescue.out) \(alice.child.stderrTail(3000)) \(bob.child.stderrTail(2000))")
        let metrics = try await httpGet(port: alice.metricsPort, path: "/metrics")
        #expect(metrics.contains("altnet_headers_fetched_total{driver=\"cln\"}"), "no headers counted for cln")
        #expect(metrics.contains("altnet_blocks_fetched_total{driver=\"cln\"}"), "no blocks counted for cln")

        // An emergency transaction: Alice -> sendcustommsg -> Bob's hook -> Bob's mempool.
        let sent = try await runToEnd(try BuiltProduct.path("sendemergencytx"), ["--datadir", alice.dir, DaemonEndToEndTests.sampleTx])
        #expect(sent.status == 0, "\(sent.err)")
        let report = try DaemonEndToEndTests.json(sent.out)
        let txid = try #require(report["txid"] as? String)
        let transports = report["transports"] as? [[String: Any]] ?? []
        #expect(transports.contains { $0["transport"] as? String == "cln" && $0["accepted"] as? Bool == true }, "\(sent.out)")
        // Bob's altnetd acknowledged it over sendcustommsg too (Alice's other altnet peers are
        // stand-ins that never answer): Alice names him alone beside sent_to.
        let cln = transports.first { $0["transport"] as? String == "cln" }?["detail"] as? String ?? ""
        #expect(cln.hasPrefix("sent to ") && cln.contains(Self.bobID) && cln.hasSuffix("; acknowledged by 1 altnet peer: \(Self.bobID)"), "\(sent.out)")
        let reached = await eventually(timeout: .seconds(20), every: .milliseconds(100)) { await DriverAlone.inMempool(bobSim.rpc, txid) }
        #expect(reached, "the transaction did not reach Bob's mempool over CLN: \(bob.child.stderrTail(2000))")

        // Alice's cln driver is killed: altnetd restarts it, the plugin reconnects to the new
        // socket, and a second rescue goes the same way.
        let more: [String] = try await bobSim.rpc.call("simgenerate", [.int(3)])
        let newTip = try #require(more.last)
        let driverPID = try #require(try await DriverAlone.driverPID(alice.dir, "cln"))
        DriverAlone.killIfAlive(driverPID)
        let back = await eventually(timeout: .seconds(30), every: .milliseconds(100)) {
            guard let pid = try? await DriverAlone.driverPID(alice.dir, "cln"), pid != driverPID else { return false }
            let peers = DriverAlone.array((try? await DaemonEndToEndTests.cli(alice.dir, "listpeers"))?.out ?? "") ?? []
            return peers.contains { $0["id"] as? String == Self.bobID }
        }
        try #require(back, "Alice's cln driver did not come back: \(alice.child.stderrTail(3000))")
        // Bob mined before the kill; still, his altnetd re-reads his tip at most once a second when
        // serving (ServingHeaderCache's tipTTL), so a getheaders too soon may find nothing new:
        // ask up to 3 times.
        var again = (status: Int32(0), out: "", err: "")
        var caughtUpAgain = false
        for _ in 0..<3 where !caughtUpAgain {
            again = try await DaemonEndToEndTests.cli(alice.dir, "fetchheaders")
            #expect(again.status == 0, "\(again.err)")
            caughtUpAgain = await eventually(timeout: .seconds(10), every: .milliseconds(100)) {
                (try? await aliceSim.rpc.getBestBlockHash().displayHex) == newTip
            }
        }
        #expect(caughtUpAgain, "no second rescue after the driver's restart: \(again.out) \(alice.child.stderrTail(3000))")

        // Every altnet-capable channel peer is a source: each rescue asks each of Alice's four
        // (peersperdriver=4) for headers, the three silent ones included.
        let aliceSends = aliceLN.events("sendcustommsg")
        for peer in [Self.bobID] + extras {
            #expect(aliceSends.contains { $0["node_id"] as? String == peer && $0["command"] as? String == "getheaders" },
                    "no rescue asked \(peer.prefix(16)) for headers")
        }

        // Bob's block with the large transaction went to Alice in fragments.
        #expect(bobLN.events("sendcustommsg").contains { $0["type"] as? Int == 42_003 && $0["node_id"] as? String == Self.aliceID },
                "no altnet_fragment went from Bob to Alice")

        // What each lightningd was asked: altnet messages to altnet peers only; every hook continued.
        for (name, node, others) in [("Alice", aliceLN, Set([Self.bobID] + extras)), ("Bob", bobLN, Set([Self.aliceID]))] {
            let sends = node.events("sendcustommsg")
            #expect(!sends.isEmpty, "\(name)'s lightningd was never asked to send")
            let stray = sends.filter { !others.contains($0["node_id"] as? String ?? "") }
            #expect(stray.isEmpty, "\(name) sent to a peer without altnet: \(stray)")
            #expect(!sends.contains { [plain, offline].contains($0["node_id"] as? String) })
            #expect(sends.allSatisfy { [42_001, 42_003].contains($0["type"] as? Int) }, "\(name) sent a type other than altnet's")
            let hooks = node.events("hook")
            #expect(hooks.contains { others.contains($0["peer_id"] as? String ?? "") }, "\(name)'s hook never saw the linked peer")
            #expect(hooks.allSatisfy { $0["result"] as? String == "continue" }, "\(name): \(hooks)")
            #expect(node.events("error").isEmpty, "\(name)'s stand-in: \(node.events("error")) \(node.log.suffix(20))")
        }

        // Bob's lightningd goes away: Alice's loses the link and tells her plugin (`disconnect`);
        // her driver, polling once a minute, reports Bob gone at once and keeps the others.
        bobLN.kill()
        let left = await eventually(timeout: .seconds(10), every: .milliseconds(100)) {
            let peers = DriverAlone.array((try? await DaemonEndToEndTests.cli(alice.dir, "listpeers"))?.out ?? "") ?? []
            return !peers.contains { $0["id"] as? String == Self.bobID } && peers.contains { $0["id"] as? String == plain }
        }
        #expect(left, "Bob still listed after his lightningd left: \(alice.child.stderrTail(2000))")
        return plugins
    }
}
