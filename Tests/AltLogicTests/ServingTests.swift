import AltLogic
import Altstack
import BitcoinPrimitives
import DriverProtocol
import Foundation
import Testing
import TestSupport

/// Serving answers what Alice's driver sends Bob's, from Bob's simnode.
@Suite(.serialized) struct ServingTests {
    func ask(_ rig: TwoNodeRig, _ message: P2PMessage) async throws -> P2PMessage {
        let answer = try await rig.aliceStack.sendMessage(
            DriverP2PMessage(command: message.command.name, payload: message.encodePayload().hex), timeout: .seconds(20))
        let reply = try #require(answer.value.replies.first)
        return try P2PMessage.decode(command: try P2PCommand(reply.command), payload: try [UInt8](hex: reply.payload))
    }

    @Test("getheaders: locator resolved on the active chain, 2,000 at most, stop hash honoured; getdata: block or notfound")
    func answers() async throws {
        let rig = try await TwoNodeRig.start()
        defer { Task { await rig.stop() } }
        let hashes = try await rig.bob.mine(2_050)
        try #require(await rig.waitLinked())

        // From genesis (an unknown hash first, as a stale locator would have): capped at 2,000.
        let unknown = BlockHash(Hash256.sha256d(of: [1, 2, 3]))
        guard case .headers(let first) = try await ask(rig, .getheaders(.init(version: 70016, locator: [unknown, ChainParams.regtest.genesisHash]))) else {
            Issue.record("no headers"); return
        }
        #expect(first.count == 2_000)
        #expect(first.map(\.hash) == Array(hashes.prefix(2_000)))
        // From height 2,000: the rest.
        guard case .headers(let rest) = try await ask(rig, .getheaders(.init(version: 70016, locator: [hashes[1_999]]))) else {
            Issue.record("no headers"); return
        }
        #expect(rest.map(\.hash) == Array(hashes.suffix(50)))
        // Stop hash: ends there.
        guard case .headers(let stopped) = try await ask(rig, .getheaders(.init(version: 70016, locator: [hashes[9]], hashStop: hashes[14]))) else {
            Issue.record("no headers"); return
        }
        #expect(stopped.map(\.hash) == Array(hashes[10...14]))
        // At the tip: empty.
        let tip = try #require(hashes.last)
        guard case .headers(let none) = try await ask(rig, .getheaders(.init(version: 70016, locator: [tip]))) else {
            Issue.record("no headers"); return
        }
        #expect(none.isEmpty)

        // getdata: a block bitcoind has, then one it does not.
        guard case .block(let block) = try await ask(rig, .getdata([Inventory(type: .witnessBlock, hash: hashes[100].hash)])) else {
            Issue.record("no block"); return
        }
        #expect(block.hash == hashes[100])
        let missing = Inventory(type: .witnessBlock, hash: unknown.hash)
        guard case .notfound(let items) = try await ask(rig, .getdata([missing])) else {
            Issue.record("no notfound"); return
        }
        #expect(items == [missing])
        await rig.stop()
    }

    @Test("a tx that arrives is handed to bitcoind with sendrawtransaction; one bitcoind refuses stays out")
    func relaysTransactions() async throws {
        let rig = try await TwoNodeRig.start()
        defer { Task { await rig.stop() } }
        try #require(await rig.waitLinked())
        let spend = Transaction(
            version: 2,
            inputs: [TxIn(previousOutput: OutPoint(txid: Txid(Hash256.sha256d(of: [7])), index: 0), scriptSig: [], sequence: 0xffff_fffd)],
            outputs: [TxOut(value: 49_000, scriptPubKey: [0x51])], lockTime: 0)
        // bitcoind (simnode) refuses a coinbase-shaped transaction as "coinbase".
        let coinbase = Transaction(
            version: 2, inputs: [TxIn(previousOutput: .null, scriptSig: [1, 1], sequence: 0xffff_ffff)],
            outputs: [TxOut(value: 1, scriptPubKey: [0x51])], lockTime: 0)
        for tx in [coinbase, spend] {
            let message = DriverP2PMessage(command: "tx", payload: tx.serialized().hex)
            _ = try await rig.aliceStack.supervisor(named: "ln-a1")?.call(Methods.sendMessage, SendMessageParams(message: message))
        }
        var mempool: [Hash256] = []
        for _ in 0..<250 {
            mempool = try await rig.bob.rpc.getRawMempool()
            if !mempool.isEmpty { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        try await Task.sleep(for: .milliseconds(200))
        mempool = try await rig.bob.rpc.getRawMempool()
        #expect(mempool == [spend.txid.hash])
        await rig.stop()
    }
}
