import BitcoinPrimitives
import BitcoindRPC
import Foundation
import TestSupport
import Testing

/// The RPC driver alone: bitcoind already knows the better chain's headers but its peers do not
/// hand over the blocks on their own; altnetd fetches them with getblockfrompeer through the
/// driver and submits them.
@Suite(.serialized) struct RPCDriverBlocksTests {
    /// Alice's simnode is given Bob's 12 headers (submitheader), has two pretend peers that
    /// deliver on request and Bob's simnode as their block source; Alice's altnetd runs only
    /// `[rpc]` (blocks, no headers). A rescue ends with Alice at Bob's tip, every block having
    /// come through getblockfrompeer (simfetchlog).
    @Test func blocksForKnownHeadersThroughGetBlockFromPeer() async throws {
        let root = try TempDir.short()
        defer { root.cleanup() }
        let (bobSim, aliceSim) = try await DriverAlone.startSimnodes(root: root.path)
        defer { bobSim.kill(); aliceSim.kill() }
        let (bobRPC, aliceRPC) = (bobSim.rpc, aliceSim.rpc)

        let mined: [String] = try await bobRPC.call("simgenerate", [12])
        let bobTip = try #require(mined.last)
        for hash in mined {
            let header: String = try await bobRPC.call("getblockheader", [.string(hash), .bool(false)])
            try await aliceRPC.callIgnoringResult("submitheader", [.string(header)])
        }
        let tips = try await aliceRPC.getChainTips()
        #expect(tips.contains { $0.hash.displayHex == bobTip && $0.status == .headersOnly }, "\(tips)")
        let peers: Int = try await aliceRPC.call("simsetpeers", [.array([.object([:]), .object([:])])])
        #expect(peers == 2)
        try await aliceRPC.callIgnoringResult("simsetblocksource", [.string("http://127.0.0.1:\(bobSim.rpcPort)"), .string(bobSim.cookiePath)])

        let alice = try await DriverAlone.startAltnetd(dir: root.path + "/alice", simnode: aliceSim, drivers: ["--rpc"])
        defer { alice.child.kill() }
        #expect(await DaemonEndToEndTests.driverReady(alice.dir, "rpc"), "rpc driver not ready: \(alice.child.stderr.suffix(2000))")
        let rescue = try await DaemonEndToEndTests.cli(alice.dir, "fetchheaders")
        #expect(rescue.status == 0, "\(rescue.err)")
        let caughtUp = await eventually(timeout: .seconds(45), every: .milliseconds(100)) {
            (try? await aliceRPC.getBestBlockHash().displayHex) == bobTip
        }
        #expect(caughtUp, "Alice did not reach Bob's tip through the RPC driver: \(rescue.out) \(alice.child.stderr.suffix(3000))")
        struct Fetch: Decodable, Sendable { let blockhash: String }
        let log: [Fetch] = try await aliceRPC.call("simfetchlog")
        let fetched = Set(log.map(\.blockhash))
        let missing = Set(mined).subtracting(fetched)
        #expect(missing.isEmpty, "blocks not fetched with getblockfrompeer: \(missing.count) of \(mined.count)")
    }
}
