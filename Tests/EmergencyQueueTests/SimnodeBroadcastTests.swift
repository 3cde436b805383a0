import BitcoinPrimitives
import BitcoindRPC
import EmergencyQueue
import Foundation
import Logging
import TestSupport
import Testing

/// The broadcaster against a real simnode subprocess through bitcoind's RPC.
@Suite(.serialized) struct SimnodeBroadcastTests {
    /// Warnings and errors only: the broadcaster's info lines would drown the test output.
    let logger: Logger = {
        var l = Logger(label: "emergency-simnode-test")
        l.logLevel = .warning
        return l
    }()

    /// A spend of block 1's coinbase (OP_TRUE, mature after 101 blocks) to two outputs.
    func spendOfCoinbase(_ rpc: BitcoindRPCClient, fee: Int64 = 10_000) async throws -> Transaction {
        _ = try await rpc.call("simgenerate", [101], as: [String].self)
        let hash = try await rpc.getBlockHash(height: 1)
        let info = try await rpc.getBlockInfo(hash)
        let coinbase = try #require(info.txids.first)
        let half = (5_000_000_000 - fee) / 2
        return Transaction(
            version: 2,
            inputs: [TxIn(previousOutput: OutPoint(txid: Txid(coinbase), index: 0), scriptSig: [], sequence: 0xffff_fffd)],
            outputs: [TxOut(value: half, scriptPubKey: [0x51]), TxOut(value: half, scriptPubKey: [0x00, 0x14] + [UInt8](repeating: 7, count: 20))],
            lockTime: 0)
    }

    @Test func submitReachesTheMempoolThenABlock() async throws {
        let temp = try TempDir(prefix: "emergency")
        defer { temp.cleanup() }
        let dir = temp.path
        let node = try await SimnodeChild.start(datadir: dir + "/node")
        defer { node.kill() }
        let tx = try await spendOfCoinbase(node.rpc)
        let store = try EmergencyStore(path: dir + "/emergency.sqlite")
        let transports = BitcoindEmergencyTransports(rpc: node.rpc, logger: logger)
        let b = EmergencyBroadcaster(store: store, transports: transports, retryInterval: .seconds(30), logger: logger)

        let (row, results) = try await b.submit(raw: tx.serialized())
        #expect(results == [TransportResult(transport: "bitcoind", accepted: true, detail: tx.txid.displayHex, local: true)])
        #expect(row.attempts == 1)
        #expect(try await node.rpc.getRawMempool().contains(tx.txid.hash))

        var round = await b.processQueue()
        #expect(round.seenInMempool == [row.txid] && round.broadcast.isEmpty)
        #expect(try store.get(txid: row.txid)?.state == .confirmedMempool)

        _ = try await node.rpc.call("simgenerate", [1], as: [String].self)
        round = await b.processQueue()
        #expect(round.seenInBlock == [row.txid])
        #expect(try store.get(txid: row.txid)?.state == .confirmedBlock)
        #expect(try store.active().isEmpty)
    }

    @Test func aRestartedBroadcasterSendsWhatWasQueued() async throws {
        let temp = try TempDir(prefix: "emergency")
        defer { temp.cleanup() }
        let dir = temp.path
        let node = try await SimnodeChild.start(datadir: dir + "/node")
        defer { node.kill() }
        let tx = try await spendOfCoinbase(node.rpc)
        // The first process stored it and died before sending (nothing reached bitcoind).
        try EmergencyStore(path: dir + "/emergency.sqlite").enqueue(raw: tx.serialized())
        #expect(try await node.rpc.getRawMempool().isEmpty)

        let store = try EmergencyStore(path: dir + "/emergency.sqlite")
        let b = EmergencyBroadcaster(
            store: store, transports: BitcoindEmergencyTransports(rpc: node.rpc, logger: logger),
            retryInterval: .milliseconds(100), logger: logger)
        let task = Task { await b.run() }
        defer { task.cancel() }
        try #require(await eventually(timeout: .seconds(20), every: .milliseconds(20)) { (try? await node.rpc.getRawMempool().contains(tx.txid.hash)) == true })
        try #require(await eventually(timeout: .seconds(20), every: .milliseconds(20)) { (try? store.get(txid: tx.txid.displayHex)?.state) == .confirmedMempool })
        _ = try await node.rpc.call("simgenerate", [1], as: [String].self)
        try #require(await eventually(timeout: .seconds(20), every: .milliseconds(20)) { (try? store.get(txid: tx.txid.displayHex)?.state) == .confirmedBlock })
        // Sent at least once; in the mempool it is pushed again on its backoff until the block.
        #expect((try store.get(txid: tx.txid.displayHex)?.attempts ?? 0) >= 1)
    }

    @Test func bitcoindsRefusalIsReportedAndAConfirmedTxIsRecognised() async throws {
        let temp = try TempDir(prefix: "emergency")
        defer { temp.cleanup() }
        let dir = temp.path
        let node = try await SimnodeChild.start(datadir: dir + "/node")
        defer { node.kill() }
        let transports = BitcoindEmergencyTransports(rpc: node.rpc, drivers: { _ in
            [TransportResult(transport: "lightning", accepted: true, detail: "sent to 1 peer")]
        }, logger: logger)
        // simnode refuses a coinbase-shaped transaction (bitcoind would too); the driver took it.
        var coinbase = Fixtures.transaction(seed: 40)
        coinbase.inputs[0].previousOutput = .null
        let refused = await transports.broadcast(raw: coinbase.serialized())
        #expect(refused.map(\.transport) == ["bitcoind", "lightning"])
        #expect(refused.first?.accepted == false)
        #expect(refused.first?.detail.contains("code -26") == true)

        let tx = try await spendOfCoinbase(node.rpc)
        #expect(await transports.isKnown(txid: tx.txid.hash, outputCount: 2) == .unknown)
        _ = try await node.rpc.sendRawTransaction(tx.serialized())
        #expect(await transports.isKnown(txid: tx.txid.hash, outputCount: 2) == .mempool)
        _ = try await node.rpc.call("simgenerate", [1], as: [String].self)
        #expect(await transports.isKnown(txid: tx.txid.hash, outputCount: 2) == .block(confirmations: 1))
    }
}
