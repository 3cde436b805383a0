import BitcoindRPC
import Foundation
import Secp256k1
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Issue 17: any driver from a `[driver.NAME]` section, several instances of one driver, and a
/// receive-only feed, each under a real altnetd beside simnodes.
@Suite(.serialized) struct OpenDriverSetTests {
    static var exampleDriver: String { SharedData.packageRoot.appendingPathComponent("drivers/example-python/driver.py").path }
    static var feedDriver: String { SharedData.packageRoot.appendingPathComponent("integration/driver_feed.py").path }

    /// Writes `DIR/altnet.conf` (the daemon's flags still set bitcoind, metrics and network).
    static func writeConf(_ dir: String, _ text: String) throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try Data(text.utf8).write(to: URL(fileURLWithPath: dir + "/altnet.conf"))
    }

    /// The headers of `simnode`'s active chain from height 1, one hex line each (what the Python
    /// drivers' `headers_file` holds).
    static func headerLines(of simnode: SimnodeChild) async throws -> String {
        let height = try await simnode.height
        var lines: [String] = []
        for h in 1...height {
            let hash: String = try await simnode.rpc.call("getblockhash", [.int(h)])
            let header: String = try await simnode.rpc.call("getblockheader", [.string(hash), .bool(false)])
            lines.append(header)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Alice's simnode fetches blocks it is asked for with getblockfrompeer from Bob's (two
    /// pretend peers deliver), so the RPC driver can bring her blocks (as RPCDriverBlocksTests).
    static func blocksFromBob(alice: SimnodeChild, bob: SimnodeChild) async throws {
        let peers: Int = try await alice.rpc.call("simsetpeers", [.array([.object([:]), .object([:])])])
        #expect(peers == 2)
        try await alice.rpc.callIgnoringResult("simsetblocksource", [.string("http://127.0.0.1:\(bob.rpcPort)"), .string(bob.cookiePath)])
    }

    /// Blocks Alice's simnode fetched with getblockfrompeer.
    static func fetchedWithGetBlockFromPeer(_ alice: SimnodeChild) async throws -> Set<String> {
        struct Fetch: Decodable, Sendable { let blockhash: String }
        let log: [Fetch] = try await alice.rpc.call("simfetchlog")
        return Set(log.map(\.blockhash))
    }

    /// Runs `body` (which kills what it started as it returns), then checks /proc that no child
    /// process of this test (altnetd, a driver, a simnode) is left behind.
    static func leavingNoProcess(_ body: () async throws -> Void) async throws {
        let before = ChildProcesses.descendants()
        try await body()
        let left = await ChildProcesses.leftovers(since: before)
        #expect(left.isEmpty, "processes left behind: \(left)")
    }

    static func driver(_ dir: String, _ name: String) async throws -> [String: Any]? {
        DriverAlone.array(try await DaemonEndToEndTests.cli(dir, "listdrivers").out)?.first { $0["name"] as? String == name }
    }

    /// The example driver in Python runs from `[driver.example]` (command= with a quoted path)
    /// and is Alice's only header source in a rescue: Bob's 12 better headers come from it, are
    /// validated and submitted, and the blocks come over `[rpc]`.
    @Test func pythonDriverFromADriverSectionTakesPartInARescue() async throws {
        try await Self.leavingNoProcess {
            let root = try TempDir.short()
            defer { root.cleanup() }
            let (bobSim, aliceSim) = try await DriverAlone.startSimnodes(root: root.path)
            defer { bobSim.kill(); aliceSim.kill() }
            let mined: [String] = try await bobSim.rpc.call("simgenerate", [12])
            let bobTip = try #require(mined.last)
            let headersFile = root.path + "/bob-headers.txt"
            try Data(try await Self.headerLines(of: bobSim).utf8).write(to: URL(fileURLWithPath: headersFile))
            try await Self.blocksFromBob(alice: aliceSim, bob: bobSim)

            let dir = root.path + "/alice"
            try Self.writeConf(dir, """
                [driver.example]
                command=/usr/bin/env python3 '\(Self.exampleDriver)'
                headers_file=\(headersFile)
                [rpc]
                """)
            let alice = try await DriverAlone.startAltnetd(dir: dir, simnode: aliceSim, drivers: [])
            defer { alice.child.kill() }
            #expect(await DaemonEndToEndTests.driverReady(dir, "example"), "example not ready: \(alice.child.stderr.suffix(2000))")
            let example = try #require(try await Self.driver(dir, "example"))
            #expect(example["command"] as? [String] == ["/usr/bin/env", "python3", Self.exampleDriver])
            #expect(example["data_dir"] as? String == dir + "/example")
            #expect(example["role"] as? String == "two-way")
            #expect((example["capabilities"] as? [String: Any])?["message_kinds"] as? [String] == ["headers"])

            let rescue = try await DaemonEndToEndTests.cli(dir, "fetchheaders")
            #expect(rescue.status == 0, "\(rescue.err)")
            let caughtUp = await eventually(timeout: .seconds(45)) {
                (try? await aliceSim.rpc.getBestBlockHash().displayHex) == bobTip
            }
            #expect(caughtUp, "Alice did not reach Bob's tip: \(rescue.out) \(alice.child.stderr.suffix(3000))")
            // The headers came from the Python driver (its source answered "better"), the blocks over rpc.
            let reports = try #require(try JSONSerialization.jsonObject(with: Data(try await DaemonEndToEndTests.cli(dir, "listrescues").out.utf8)) as? [[String: Any]])
            let better = reports.flatMap { ($0["sources"] as? [[String: Any]]) ?? [] }
                .filter { $0["driver"] as? String == "example" && $0["answer"] as? String == "better" }
            #expect(!better.isEmpty, "no rescue counted the example driver as a source of the better chain: \(reports)")
            let metrics = try await httpGet(port: alice.metricsPort, path: "/metrics")
            #expect(metrics.contains("altnet_headers_fetched_total{driver=\"example\"}"), "no headers counted for example")
            #expect(metrics.contains("altnet_blocks_fetched_total{driver=\"rpc\"}"), "no blocks counted for rpc")
            let missing = Set(mined).subtracting(try await Self.fetchedWithGetBlockFromPeer(aliceSim))
            #expect(missing.isEmpty, "blocks not fetched over rpc: \(missing.count) of \(mined.count)")
        }
    }

    /// Two Lightning driver instances in one altnetd, `ln2` dialling `ln1`: each has its own key
    /// from the core (ln1's written beforehand, ln2's created), each BOLT 8 handshake signs with
    /// the right one, and each shows under its own name in listdrivers, getinfo and the metrics.
    @Test func twoLightningInstancesWithTheirOwnKeys() async throws {
        try await Self.leavingNoProcess {
            let root = try TempDir.short()
            defer { root.cleanup() }
            let simnode = try await SimnodeChild.start(datadir: root.path + "/sim")
            defer { simnode.kill() }
            try await simnode.mine(1)
            let dir = root.path + "/alt"
            // ln1's key is put there first (persisted keys are loaded, not replaced).
            let ln1Key = PrivateKey()
            try FileManager.default.createDirectory(atPath: dir + "/ln1", withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let keyPath = dir + "/ln1/node_key"
            #expect(FileManager.default.createFile(atPath: keyPath, contents: Data(ln1Key.rawRepresentation), attributes: [.posixPermissions: 0o600]))
            let ln1ID = try PrivateKeyCheck.nodeID(of: ln1Key.rawRepresentation)
            let port = try FreePort.loopback()
            try Self.writeConf(dir, """
                [driver.ln1]
                command=altnet-driver-lightning
                listen=127.0.0.1:\(port)
                [driver.ln2]
                command=altnet-driver-lightning
                connect=\(ln1ID)@127.0.0.1:\(port)
                """)
            let node = try await DriverAlone.startAltnetd(dir: dir, simnode: simnode, drivers: [])
            defer { node.child.kill() }
            #expect(await DriverAlone.hasPeer(dir, "ln2"), "ln2 never reached ln1: \(node.child.stderr.suffix(3000))")
            #expect(await DriverAlone.hasPeer(dir, "ln1"), "ln1 has no peer: \(node.child.stderr.suffix(3000))")

            let ln2Key = try #require(FileManager.default.contents(atPath: dir + "/ln2/node_key"))
            #expect(mode(dir + "/ln2/node_key") == 0o600)
            let ln2ID = try PrivateKeyCheck.nodeID(of: [UInt8](ln2Key))
            #expect(ln2ID != ln1ID)
            let ln1 = try #require(try await Self.driver(dir, "ln1"))
            let ln2 = try #require(try await Self.driver(dir, "ln2"))
            #expect(ln1["nodeid"] as? String == ln1ID && ln2["nodeid"] as? String == ln2ID)
            #expect(ln1["data_dir"] as? String == dir + "/ln1" && ln2["data_dir"] as? String == dir + "/ln2")
            #expect((ln1["command"] as? [String])?.first?.hasSuffix("/altnet-driver-lightning") == true)
            #expect(ln1["pid"] as? Int != ln2["pid"] as? Int)
            let info = try DaemonEndToEndTests.json(try await DaemonEndToEndTests.cli(dir, "getinfo").out)
            #expect(info["nodeids"] as? [String: String] == ["ln1": ln1ID, "ln2": ln2ID])
            // ln1 sees ln2 under ln2's node id: the handshake proved ln2's key.
            let peers = DriverAlone.array(try await DaemonEndToEndTests.cli(dir, "listpeers").out) ?? []
            #expect(peers.contains { $0["driver"] as? String == "ln1" && $0["id"] as? String == ln2ID }, "\(peers)")
            #expect(peers.contains { $0["driver"] as? String == "ln2" && $0["id"] as? String == ln1ID }, "\(peers)")
            let metrics = try await httpGet(port: node.metricsPort, path: "/metrics")
            for name in ["ln1", "ln2"] {
                #expect(metrics.contains("altnet_driver_ready{driver=\"\(name)\"} 1"), "no ready gauge for \(name)")
                #expect(metrics.contains("altnet_peers{driver=\"\(name)\"} 1"), "no peer gauge for \(name)")
            }

            // The keys are kept: a restarted altnetd gives each instance the same node id again.
            node.child.kill()
            #expect(await eventually { !isAlive(node.child.pid) })
            unlink(dir + "/altnetd.sock")
            let again = try await DriverAlone.startAltnetd(dir: dir, simnode: simnode, drivers: [])
            defer { again.child.kill() }
            let restarted = try DaemonEndToEndTests.json(try await DaemonEndToEndTests.cli(dir, "getinfo").out)
            #expect(restarted["nodeids"] as? [String: String] == ["ln1": ln1ID, "ln2": ln2ID])
        }
    }

    /// A receive-only feed pushes Bob's better headers unasked: Alice's cross-check validates
    /// them, raises `altnet-better-chain`, and the blocks come from the RPC driver; the feed is
    /// never sent a request it cannot answer.
    @Test func receiveOnlyFeedRaisesBetterChain() async throws {
        try await Self.leavingNoProcess {
            let root = try TempDir.short()
            defer { root.cleanup() }
            let (bobSim, aliceSim) = try await DriverAlone.startSimnodes(root: root.path)
            defer { bobSim.kill(); aliceSim.kill() }
            try await Self.blocksFromBob(alice: aliceSim, bob: bobSim)
            let feedFile = root.path + "/feed.txt"
            let dir = root.path + "/alice"
            try Self.writeConf(dir, """
                [driver.sat]
                command=\(Self.feedDriver)
                headers_file=\(feedFile)
                [rpc]
                [watchdog]
                staletipseconds=100000
                crosscheckseconds=2
                """)
            let alice = try await DriverAlone.startAltnetd(dir: dir, simnode: aliceSim, drivers: [])
            defer { alice.child.kill() }
            #expect(await DaemonEndToEndTests.driverReady(dir, "sat"), "feed not ready: \(alice.child.stderr.suffix(2000))")
            #expect(await DaemonEndToEndTests.driverReady(dir, "rpc"), "rpc not ready: \(alice.child.stderr.suffix(2000))")
            let sat = try #require(try await Self.driver(dir, "sat"))
            #expect(sat["role"] as? String == "feed")
            #expect(sat["feed_headers"] as? Int == 0)

            // Bob moves ahead; the feed broadcasts his chain.
            let mined: [String] = try await bobSim.rpc.call("simgenerate", [12])
            let bobTip = try #require(mined.last)
            try Data(try await Self.headerLines(of: bobSim).utf8).write(to: URL(fileURLWithPath: feedFile))
            let caughtUp = await eventually(timeout: .seconds(60)) {
                (try? await aliceSim.rpc.getBestBlockHash().displayHex) == bobTip
            }
            #expect(caughtUp, "Alice did not reach Bob's tip: \(alice.child.stderr.suffix(3000))")

            // The cross-check's report (and so its anomaly) lands a moment after bitcoind's tip moved.
            var all: [[String: Any]] = []
            _ = await eventually(timeout: .seconds(20)) {
                guard let out = try? await DaemonEndToEndTests.cli(dir, "listanomalies").out,
                      let anomalies = try? DaemonEndToEndTests.json(out) else { return false }
                all = ((anomalies["open"] as? [[String: Any]]) ?? []) + ((anomalies["closed"] as? [[String: Any]]) ?? [])
                return all.contains { $0["kind"] as? String == "altnet-better-chain" && ($0["evidence"] as? [String: String])?["alt_tip"] == bobTip }
            }
            let raised = all.filter { $0["kind"] as? String == "altnet-better-chain" }
            #expect(!raised.isEmpty, "no altnet-better-chain anomaly: \(all)")
            #expect(raised.contains { ($0["evidence"] as? [String: String])?["alt_tip"] == bobTip }, "\(raised)")
            // Only chain anomalies other than the cross-check's could have started another rescue: none did.
            #expect(all.allSatisfy { $0["category"] as? String != "chain" || $0["kind"] as? String == "altnet-better-chain" }, "\(all)")
            let reports = try #require(try JSONSerialization.jsonObject(with: Data(try await DaemonEndToEndTests.cli(dir, "listrescues").out.utf8)) as? [[String: Any]])
            let caught = reports.first { $0["outcome"] as? String == "caught-up" }
            #expect(caught?["trigger"] as? String == "crosscheck", "\(reports)")
            #expect(((caught?["sources"] as? [[String: Any]]) ?? []).contains { $0["driver"] as? String == "sat" && $0["answer"] as? String == "better" })
            // The blocks came from another driver: every one through rpc's getblockfrompeer.
            let missing = Set(mined).subtracting(try await Self.fetchedWithGetBlockFromPeer(aliceSim))
            #expect(missing.isEmpty, "blocks not fetched over rpc: \(missing.count) of \(mined.count)")
            let metrics = try await httpGet(port: alice.metricsPort, path: "/metrics")
            #expect(metrics.contains("altnet_blocks_fetched_total{driver=\"rpc\"}"))
            #expect(metrics.contains("altnet_feed_messages_total{driver=\"sat\",outcome=\"kept\"}"), "\(metrics)")
            #expect(try await Self.driver(dir, "sat")?["feed_headers"] as? Int == 13, "Bob's 13 headers are in the feed's window")
            let page = try await httpGet(port: alice.metricsPort, path: "/")
            #expect(page.contains("sat <span class=\"muted\">(feed)</span>"), "the status page does not say sat is a feed")
            // The feed was sent init and listpeers (its log starts at init), never a request it cannot answer.
            let methods = Set(try String(contentsOfFile: dir + "/sat/methods.log", encoding: .utf8).split(separator: "\n").map(String.init))
            #expect(methods.isSuperset(of: ["init", "listpeers"]), "\(methods)")
            #expect(methods.isDisjoint(with: ["sendmessage", "broadcasttx", "disconnectpeer"]), "\(methods)")
        }
    }
}
