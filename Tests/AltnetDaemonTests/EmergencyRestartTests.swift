import BitcoindRPC
import Foundation
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The emergency queue survives a kill -9 of altnetd: the transaction is on disk before
/// sendemergencytx returns, and the restarted daemon sends it with no new command.
@Suite(.serialized) struct EmergencyRestartTests {
    /// Alice's bitcoind is still loading (every RPC answers -28, as bitcoind does while it
    /// warms up) and her only driver, BIP324, has no peer yet (Bob's node is not up): nothing can
    /// take the transaction, sendemergencytx exits 1 with the transaction queued. altnetd is then
    /// killed with SIGKILL, Bob's node comes up, altnetd restarts on the same data directory, and
    /// the transaction reaches Bob's mempool.
    @Test func killNineAfterSendThenRestartDelivers() async throws {
        let root = try TempDir.short()
        defer { root.cleanup() }
        let aliceSim = try await SimnodeChild.start(datadir: root.path + "/asim")
        defer { aliceSim.kill() }
        let aliceRPC = aliceSim.rpc
        try await aliceRPC.callIgnoringResult("simsetwarmup", [true])
        let bobP2P = try FreePort.loopback()
        let drivers = ["--bip324.connect=127.0.0.1:\(bobP2P)"]

        let first = try await DriverAlone.startAltnetd(dir: root.path + "/alice", simnode: aliceSim, drivers: drivers)
        defer { first.child.kill() }
        #expect(await DaemonEndToEndTests.driverReady(first.dir, "bip324"), "bip324 not ready: \(first.child.stderr.suffix(2000))")
        let firstDriver = try await DriverAlone.driverPID(first.dir, "bip324")
        defer { DriverAlone.killIfAlive(firstDriver) }

        let sent = try await runToEnd(try BuiltProduct.path("sendemergencytx"), ["--datadir", first.dir, DaemonEndToEndTests.sampleTx])
        // The contract: exit 1 when no transport accepted it; the report still says it is queued.
        #expect(sent.status == 1, "\(sent.out) \(sent.err)")
        let report = try DaemonEndToEndTests.json(sent.out)
        let txid = try #require(report["txid"] as? String)
        #expect(report["accepted"] as? Int == 0 && report["state"] as? String == "pending", "\(sent.out)")
        // kill -9 right away: nothing is flushed on the way out.
        first.child.kill()
        DriverAlone.killIfAlive(firstDriver)
        #expect(FileManager.default.fileExists(atPath: first.dir + "/emergency.sqlite"))

        // Bob's node comes up where Alice's driver looks for it, out of IBD.
        let bobSim = try await SimnodeChild.start(datadir: root.path + "/bsim", .init(p2pPort: bobP2P))
        defer { bobSim.kill() }
        let bobRPC = bobSim.rpc
        let _: [String] = try await bobRPC.call("simgenerate", [3])
        #expect(!(await DriverAlone.inMempool(bobRPC, txid)))

        // Same data directory, same flags, no new command.
        let second = try await DriverAlone.startAltnetd(dir: root.path + "/alice", simnode: aliceSim, drivers: drivers)
        defer { second.child.kill() }
        let secondDriver = try? await DriverAlone.driverPID(second.dir, "bip324")
        defer { DriverAlone.killIfAlive(secondDriver) }
        let info = try DaemonEndToEndTests.json(try await DaemonEndToEndTests.cli(second.dir, "getinfo").out)
        let counts = info["emergency"] as? [String: Any]
        #expect(counts?["pending"] as? Int == 1, "the restarted daemon does not hold the transaction: \(counts ?? [:])")
        let reached = await eventually(timeout: .seconds(45), every: .milliseconds(100)) { await DriverAlone.inMempool(bobRPC, txid) }
        #expect(reached, "the queued transaction did not reach Bob's mempool after the restart: \(second.child.stderr.suffix(3000))")
        #expect(second.child.stderr.contains("emergency queue resumed"))
    }
}
