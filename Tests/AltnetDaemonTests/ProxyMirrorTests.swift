import BitcoinPrimitives
import BitcoindRPC
import Foundation
import TestSupport
import Testing

/// Issue #21 items 3 and 4 end to end: a Lightning node's broadcasts through the RPC proxy
/// (`--altnetd-datadir`) reach a peer over a driver while the local bitcoind is cut off, and
/// the emergency queue keeps pushing across a kill -9 until the transaction is mined back.
@Suite(.serialized) struct ProxyMirrorTests {
    /// A transaction spending a made-up outpoint (simnode checks structure, not coins).
    static func transaction(_ seed: UInt8, spending prev: OutPoint? = nil) -> Transaction {
        let outpoint = prev ?? OutPoint(txid: Txid(Hash256.sha256d(of: [seed, 0x21])), index: 0)
        return Transaction(version: 2, inputs: [TxIn(previousOutput: outpoint, scriptSig: [0x51], sequence: 0xffff_fffd)],
                           outputs: [TxOut(value: 50_000 - Int64(seed), scriptPubKey: [0x51])], lockTime: 0)
    }

    /// `altnet-driver-rpc proxy` in front of `simnode`, mirroring into `altnetdDir`.
    /// - Returns: the process, its port and a JSON-RPC client on it (the proxy's cookie).
    static func startProxy(root: String, simnode: SimnodeChild, altnetdDir: String) async throws
        -> (child: SpawnedProcess, rpc: BitcoindRPCClient, metricsPort: Int)
    {
        let metricsPort = try FreePort.loopback()
        let dir = root + "/proxy"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let args = ["proxy", "--network", "regtest", "--rpcconnect", "127.0.0.1:\(simnode.rpcPort)",
                    "--rpccookiefile", simnode.cookiePath, "--datadir", dir, "--listen", "127.0.0.1:0",
                    "--metrics", "127.0.0.1:\(metricsPort)", "--altnetd-datadir", altnetdDir]
        let exe = try BuiltProduct.path("altnet-driver-rpc")
        let child = try await offPool { try SpawnedProcess(exe, args, stderrPath: root + "/proxy.stderr") }
        let line = try await offPool { child.readLine(timeout: 20) }
        struct Ready: Decodable { let listen: Int; let cookie: String }
        guard let ready = try? JSONDecoder().decode(Ready.self, from: Data(line.utf8)) else {
            child.kill()
            throw SpawnedProcess.Failure(description: "the proxy did not start: \(line) \(child.stderr)")
        }
        let rpc = BitcoindRPCClient(.init(host: "127.0.0.1", port: ready.listen, credentials: .cookieFile(ready.cookie)))
        return (child, rpc, metricsPort)
    }

    /// The proxy's mirror counter for `outcome`, from its /metrics.
    static func mirrored(_ port: Int, _ outcome: String) async -> Int {
        guard let text = try? await httpGet(port: port, path: "/metrics") else { return -1 }
        let line = text.split(separator: "\n").first { $0.hasPrefix("altnet_rpcproxy_mirror_total") && $0.contains("outcome=\"\(outcome)\"") }
        return line.flatMap { Int($0.split(separator: " ").last ?? "") } ?? 0
    }

    /// sendrawtransaction and submitpackage through the proxy in front of Alice's simnode, whose
    /// network is off: the caller gets bitcoind's answer, and the transactions reach Bob's
    /// mempool over Alice's BIP324 driver (parent before child). With altnetd gone, the mirror
    /// fails, is counted, and the answer is still bitcoind's.
    @Test func proxyMirrorsIntoTheQueueWhileBitcoindIsCutOff() async throws {
        let root = try TempDir.short()
        defer { root.cleanup() }
        let (bobSim, aliceSim) = try await DriverAlone.startSimnodes(root: root.path, bobP2P: 0)
        defer { bobSim.kill(); aliceSim.kill() }
        let (bobRPC, aliceRPC) = (bobSim.rpc, aliceSim.rpc)
        let off: Bool = try await aliceRPC.call("setnetworkactive", [false])
        #expect(off == false)
        let bobP2P = try #require(bobSim.p2pPort)
        let alice = try await DriverAlone.startAltnetd(dir: root.path + "/alice", simnode: aliceSim,
                                                        drivers: ["--bip324.connect=127.0.0.1:\(bobP2P)"])
        defer { alice.child.kill() }
        try #require(await DriverAlone.hasPeer(alice.dir, "bip324"), "no BIP324 peer: \(alice.child.stderrTail())")
        let proxy = try await Self.startProxy(root: root.path, simnode: aliceSim, altnetdDir: alice.dir)
        defer { proxy.child.kill() }

        let tx = Self.transaction(1)
        let answer: String = try await proxy.rpc.call("sendrawtransaction", [.hex(tx.serialized())])
        #expect(answer == tx.txid.displayHex)
        let reached = await eventually(timeout: .seconds(30), every: .milliseconds(100)) { await DriverAlone.inMempool(bobRPC, answer) }
        #expect(reached, "not in Bob's mempool: \(alice.child.stderrTail()) \(proxy.child.stderrTail())")
        // Alice's simnode had no P2P peer all along: only the driver carried it.
        let peers: [BitcoindPeerInfo] = try await aliceRPC.call("getpeerinfo")
        #expect(peers.isEmpty)

        let parent = Self.transaction(2)
        let child = Self.transaction(3, spending: OutPoint(txid: parent.txid, index: 0))
        struct PackageReply: Decodable { let txResults: [String: [String: AnyDecodable]]
            enum CodingKeys: String, CodingKey { case txResults = "tx-results" } }
        let package: PackageReply = try await proxy.rpc.call("submitpackage", [.array([.hex(parent.serialized()), .hex(child.serialized())])])
        #expect(Set(package.txResults.keys) == [parent.wtxid.displayHex, child.wtxid.displayHex])
        let both = await eventually(timeout: .seconds(30), every: .milliseconds(100)) {
            guard let pool = try? await bobRPC.getRawMempool().map(\.displayHex),
                  let p = pool.firstIndex(of: parent.txid.displayHex), let c = pool.firstIndex(of: child.txid.displayHex) else { return false }
            return p < c
        }
        #expect(both, "the package did not reach Bob's mempool parent first: \(alice.child.stderrTail())")
        #expect(await eventually(timeout: .seconds(10), every: .milliseconds(100)) { await Self.mirrored(proxy.metricsPort, "queued") == 2 })

        // altnetd gone: the answer is bitcoind's, the mirror failure is counted.
        alice.child.kill()
        let late = Self.transaction(4)
        let lateAnswer: String = try await proxy.rpc.call("sendrawtransaction", [.hex(late.serialized())])
        #expect(lateAnswer == late.txid.displayHex)
        #expect(await eventually(timeout: .seconds(20), every: .milliseconds(100)) { await Self.mirrored(proxy.metricsPort, "failed") == 1 },
                "\(proxy.child.stderrTail())")
    }

    /// bitcoind accepts but no driver has a peer: sendemergencytx exits 1 and says so. altnetd
    /// is killed with SIGKILL; Bob's node comes up; the restarted altnetd pushes the transaction
    /// to Bob, Bob mines it, Alice is brought to Bob's chain over BIP324 (her network off), and
    /// the queue finishes it once bitcoind has it 1 confirmation deep.
    @Test func killNineBeforeConfirmationThenMinedBackToAlice() async throws {
        let root = try TempDir.short()
        defer { root.cleanup() }
        let aliceSim = try await SimnodeChild.start(datadir: root.path + "/asim")
        defer { aliceSim.kill() }
        let bobP2P = try FreePort.loopback()
        let bobSim = try await SimnodeChild.start(datadir: root.path + "/bsim")
        try await bobSim.mine(1)
        try await aliceSim.copyBlocks(from: bobSim)
        bobSim.kill()
        let _: Bool = try await aliceSim.rpc.call("setnetworkactive", [false])
        let drivers = ["--bip324.connect=127.0.0.1:\(bobP2P)"]
        let confirmations = ["--control.emergencyconfirmations=1"]

        let first = try await DriverAlone.startAltnetd(dir: root.path + "/alice", simnode: aliceSim, drivers: drivers, extra: confirmations)
        defer { first.child.kill() }
        #expect(await DaemonEndToEndTests.driverReady(first.dir, "bip324"))
        let firstDriver = try await DriverAlone.driverPID(first.dir, "bip324")
        defer { DriverAlone.killIfAlive(firstDriver) }
        let tx = Self.transaction(9)
        let sent = try await runToEnd(try BuiltProduct.path("sendemergencytx"), ["--datadir", first.dir, tx.serialized().hex])
        #expect(sent.status == 1, "\(sent.out) \(sent.err)")
        #expect(sent.err.contains("no driver carried the transaction off this machine") && sent.err.contains("bitcoind accepted it"), "\(sent.err)")
        let txid = tx.txid.displayHex
        #expect(await DriverAlone.inMempool(aliceSim.rpc, txid), "Alice's bitcoind accepted it")
        first.child.kill()
        DriverAlone.killIfAlive(firstDriver)

        // Bob's node (same chain, its own datadir again) where Alice's driver looks for it.
        let bob = try await SimnodeChild.start(datadir: root.path + "/bsim2", .init(p2pPort: bobP2P))
        defer { bob.kill() }
        try await bob.copyBlocks(from: aliceSim)
        let second = try await DriverAlone.startAltnetd(dir: root.path + "/alice", simnode: aliceSim, drivers: drivers, extra: confirmations)
        defer { second.child.kill() }
        let secondDriver = try? await DriverAlone.driverPID(second.dir, "bip324")
        defer { DriverAlone.killIfAlive(secondDriver) }
        let reached = await eventually(timeout: .seconds(45), every: .milliseconds(100)) { await DriverAlone.inMempool(bob.rpc, txid) }
        #expect(reached, "not pushed to Bob after the restart: \(second.child.stderrTail(3000))")

        // Bob mines it; Alice (no P2P of her own) gets Bob's chain over BIP324.
        let mined: [String] = try await bob.rpc.call("simgenerate", [2])
        _ = try await DaemonEndToEndTests.cli(second.dir, "fetchheaders")
        let caughtUp = await eventually(timeout: .seconds(60), every: .milliseconds(200)) {
            (try? await aliceSim.rpc.getBestBlockHash().displayHex) == mined.last
        }
        #expect(caughtUp, "Alice did not get Bob's chain: \(second.child.stderrTail(3000))")
        let done = await eventually(timeout: .seconds(30), every: .milliseconds(200)) {
            let info = try? DaemonEndToEndTests.json(try await DaemonEndToEndTests.cli(second.dir, "getinfo").out)
            return (info?["emergency"] as? [String: Any])?["confirmed-block"] as? Int == 1
        }
        #expect(done, "the queue did not finish the transaction: \(second.child.stderrTail(3000))")
    }
}

/// Any JSON value, for reading a reply's shape without its types.
struct AnyDecodable: Decodable {
    init(from decoder: any Decoder) throws {}
}
