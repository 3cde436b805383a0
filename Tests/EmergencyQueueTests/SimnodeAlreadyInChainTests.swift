import BitcoinPrimitives
import BitcoindRPC
import EmergencyQueue
import Foundation
import Logging
import TestSupport
import Testing

/// Sending a confirmed emergency transaction again: bitcoind answers -27 (BroadcastTransaction,
/// src/node/transaction.cpp: an output is in the UTXO set), which the broadcaster takes as done.
@Suite(.serialized) struct SimnodeAlreadyInChainTests {
    @Test(arguments: ["26", "28"])
    func aConfirmedTransactionSentAgainIsAcceptedAsAlreadyInABlock(coreVersion: String) async throws {
        let temp = try TempDir(prefix: "emergency")
        defer { temp.cleanup() }
        let dir = temp.path
        let node = try await SimnodeChild.start(datadir: dir + "/node", SimnodeChild.Options(extra: ["--core-version", coreVersion]))
        defer { node.kill() }
        var logger = Logger(label: "emergency-already-in-chain")
        logger.logLevel = .warning
        let transports = BitcoindEmergencyTransports(rpc: node.rpc, logger: logger)
        let tx = Transaction(
            version: 2,
            inputs: [TxIn(previousOutput: OutPoint(txid: Txid(Hash256.sha256d(of: [3])), index: 0), scriptSig: [], sequence: 0xffff_fffd)],
            outputs: [TxOut(value: 20_000, scriptPubKey: [0x51])], lockTime: 0)
        let first = await transports.broadcast(raw: tx.serialized())
        #expect(first == [TransportResult(transport: "bitcoind", accepted: true, detail: tx.txid.displayHex, local: true)])
        _ = try await node.rpc.call("simgenerate", [1], as: [String].self)

        let again = await transports.broadcast(raw: tx.serialized())
        #expect(again.count == 1 && again.first?.accepted == true)
        let message = coreVersion == "28" ? "Transaction outputs already in utxo set" : "Transaction already in block chain"
        #expect(again.first?.detail == "already in a block: \(message) (code -27)")
        // Not put back into the mempool (bitcoind would not either).
        #expect(try await node.rpc.getRawMempool().isEmpty)
    }
}
