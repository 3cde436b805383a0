import BitcoindRPC
import Foundation
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// kill -9 of one driver process in the middle of a rescue through altnetd: the rescue still
/// ends with Alice at Bob's tip, through the other drivers (or the supervisor's restart of it).
@Suite(.serialized) struct DriverKillTests {
    /// Alice runs BIP324 (to Bob's simnode), Lightning (to Bob's altnetd) and the RPC driver
    /// (getblockfrompeer through her simnode's pretend peers, which fetch from Bob's simnode); Bob
    /// is 2,000 blocks ahead. Once Alice's tip has started moving, `victim`'s process is killed
    /// with SIGKILL.
    @Test(arguments: ["bip324", "lightning", "rpc"])
    func killDriverDuringRescue(victim: String) async throws {
        let root = try TempDir.short()
        defer { root.cleanup() }
        let (bobSim, aliceSim) = try await DriverAlone.startSimnodes(root: root.path, bobP2P: 0)
        defer { bobSim.kill(); aliceSim.kill() }
        let (bobRPC, aliceRPC) = (bobSim.rpc, aliceSim.rpc)
        let bobP2P = try #require(bobSim.p2pPort)
        // Alice's bitcoind has two pretend peers that deliver blocks from Bob's simnode (for the RPC driver).
        let _: Int = try await aliceRPC.call("simsetpeers", [.array([.object([:]), .object([:])])])
        try await aliceRPC.callIgnoringResult("simsetblocksource", [.string("http://127.0.0.1:\(bobSim.rpcPort)"), .string(bobSim.cookiePath)])

        let bobPort = try FreePort.loopback()
        let bob = try await DaemonEndToEndTests.startDaemon(dir: root.path + "/bob", simnode: bobSim, lightningListen: bobPort)
        defer { bob.child.kill() }
        let bobInfo = try DaemonEndToEndTests.json(try await DaemonEndToEndTests.cli(bob.dir, "getinfo").out)
        let bobID = try #require((bobInfo["lightning"] as? [String: Any])?["nodeid"] as? String)

        // Alice starts with both drivers linked before Bob's chain moves ahead.
        let alice = try await DriverAlone.startAltnetd(
            dir: root.path + "/alice", simnode: aliceSim,
            drivers: ["--bip324.connect=127.0.0.1:\(bobP2P)", "--lightning.connect=\(bobID)@127.0.0.1:\(bobPort)", "--rpc"])
        defer { alice.child.kill() }
        var pids: [Int32] = []
        defer { pids.forEach { DriverAlone.killIfAlive($0) } }
        for name in ["bip324", "lightning", "rpc"] {
            if let pid = try await DriverAlone.driverPID(alice.dir, name) { pids.append(pid) }
        }
        let mined: [String] = try await bobRPC.call("simgenerate", [2_000])
        let bobTip = try #require(mined.last)
        for name in ["bip324", "lightning"] {
            let linked = await DriverAlone.hasPeer(alice.dir, name)
            try #require(linked, "\(name) did not link: \(alice.child.stderr.suffix(2000))")
        }
        let pid = try #require(try await DriverAlone.driverPID(alice.dir, victim))

        // A rescue now (the stale-tip anomaly may have started one already: fetchheaders joins it).
        let rescue = Task { try await DaemonEndToEndTests.cli(alice.dir, "fetchheaders") }
        var killedAt: Int?
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            let height = (try? await aliceRPC.getBlockchainInfo().blocks) ?? 0
            if height >= 20 {
                kill(pid, SIGKILL)
                killedAt = height
                break
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        let at = try #require(killedAt, "Alice's tip never moved: \(alice.child.stderr.suffix(3000))")
        #expect(at < 1_990, "\(victim) was killed only after the rescue had (nearly) finished, at height \(at)")
        _ = try? await rescue.value
        let caughtUp = await eventually(timeout: .seconds(60), every: .milliseconds(100)) {
            (try? await aliceRPC.getBestBlockHash().displayHex) == bobTip
        }
        #expect(caughtUp, "Alice did not reach Bob's tip after \(victim) was killed at height \(at): \(alice.child.stderr.suffix(3000))")
        #expect(!isAlive(pid), "the killed \(victim) process is still there")
    }
}
