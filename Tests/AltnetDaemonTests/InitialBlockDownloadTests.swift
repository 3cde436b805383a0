import BitcoindRPC
import Foundation
import TestSupport
import Testing

/// altnetd beside a bitcoind in initial block download (simnode reports it as Core does, with
/// `initialblockdownload`): no rescue starts, and `getinfo` says why. Once bitcoind is out of
/// IBD, the same request rescues it.
@Suite(.serialized) struct InitialBlockDownloadTests {
    @Test func noRescueDuringIBDAndGetinfoSaysWhy() async throws {
        let root = try TempDir.short()
        defer { root.cleanup() }
        let (bobSim, aliceSim) = try await DriverAlone.startSimnodes(root: root.path, bobP2P: 0)
        defer { bobSim.kill(); aliceSim.kill() }
        let mined: [String] = try await bobSim.rpc.call("simgenerate", [10])
        let bobTip = try #require(mined.last)
        #expect(try await aliceSim.rpc.simSetInitialBlockDownload(true))
        let bobP2P = try #require(bobSim.p2pPort)
        let alice = try await DriverAlone.startAltnetd(dir: root.path + "/alice", simnode: aliceSim,
                                                        drivers: ["--bip324.connect=127.0.0.1:\(bobP2P)"])
        defer { alice.child.kill() }
        try #require(await DriverAlone.hasPeer(alice.dir, "bip324"), "\(alice.child.stderr.suffix(2000))")
        let aliceHeight = try await aliceSim.rpc.getBlockchainInfo().blocks

        let rescue = try await DaemonEndToEndTests.cli(alice.dir, "fetchheaders")
        #expect(rescue.status == 0, "\(rescue.err)")
        let report = try DaemonEndToEndTests.json(rescue.out)
        let outcome = try #require(report["outcome"] as? String)
        #expect(outcome.hasPrefix("bitcoind-syncing: bitcoind is in initial block download"), "\(rescue.out)")
        #expect((report["sources"] as? [Any])?.isEmpty == true, "no peer may be asked: \(rescue.out)")
        #expect(report["headers_received"] as? Int == 0, "\(rescue.out)")
        let info = try DaemonEndToEndTests.json(try await DaemonEndToEndTests.cli(alice.dir, "getinfo").out)
        let rescues = try #require(info["rescues"] as? String)
        #expect(rescues.hasPrefix("paused: bitcoind is in initial block download"), "\(info)")
        #expect(try await aliceSim.rpc.getBlockchainInfo().blocks == aliceHeight)

        // Out of IBD: the next request rescues, and getinfo says rescues are ready.
        #expect(try await aliceSim.rpc.simSetInitialBlockDownload(false) == false)
        let again = try DaemonEndToEndTests.json(try await DaemonEndToEndTests.cli(alice.dir, "fetchheaders").out)
        // caught-up, or (an automatic rescue was quicker) one source with nothing better: inconclusive.
        #expect(["caught-up", "inconclusive"].contains(again["outcome"] as? String ?? ""), "\(again)")
        let caughtUp = await eventually(timeout: .seconds(30), every: .milliseconds(100)) {
            (try? await aliceSim.rpc.getBestBlockHash().displayHex) == bobTip
        }
        #expect(caughtUp)
        let after = try DaemonEndToEndTests.json(try await DaemonEndToEndTests.cli(alice.dir, "getinfo").out)
        #expect(after["rescues"] as? String == "ready", "\(after)")
    }
}
