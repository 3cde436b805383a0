import BitcoinPrimitives
import BitcoindRPC
import Testing

@testable import GetBlockFromPeerDriverCore

/// The RPC driver's `broadcasttx` against bitcoind's answers (simnode as bitcoind v26).
@Suite(.serialized) struct RPCDriverBroadcastTests {
    static let tx = Transaction(
        version: 2,
        inputs: [TxIn(previousOutput: OutPoint(txid: Txid(Hash256.sha256d(of: [42])), index: 1), scriptSig: [], sequence: 0xffff_fffd)],
        outputs: [TxOut(value: 10_000, scriptPubKey: [0x51])], lockTime: 0)

    @Test func confirmedTransactionIsAcceptedNotRefused() async throws {
        try await PrunedSimnode.start().with { node in
            let driver = RPCDriver()
            let first = try await driver.broadcast(Self.tx.serialized(), rpc: node.rpc)
            #expect(first.accepted && first.reason == nil)
            let _: [String] = try await node.rpc.call("simgenerate", [1])
            // bitcoind: -27 "Transaction already in block chain" (v28: "... outputs already in
            // utxo set"): the transaction is out there, so the broadcast did its job.
            let again = try await driver.broadcast(Self.tx.serialized(), rpc: node.rpc)
            #expect(again.accepted)
            #expect(again.peers == 0)
            #expect(again.reason?.contains("-27") == true)
            // A real refusal stays a refusal.
            let garbage = try await driver.broadcast([0x00], rpc: node.rpc)
            #expect(!garbage.accepted && garbage.reason?.contains("-22") == true)
        }
    }
}
