import BitcoinPrimitives
import Foundation
import JSON
import Simnode
import Testing

/// simnode's gettxout in-process, against bitcoind v26's shapes.
@Suite struct SimnodeTxOutTests {
    func call(_ node: SimnodeNode, _ method: String, _ params: [JSONValue]) async throws(RPCFailure) -> JSONValue {
        try await node.call(method, params: .array(params))
    }

    /// A node with 101 blocks and the txid of block 1's coinbase (pays OP_TRUE).
    func nodeWithMatureCoinbase() async throws -> (SimnodeNode, Txid) {
        let node = try SimnodeNode(publisher: nil)
        _ = try await call(node, "simgenerate", [.int(101)])
        let hash = try await call(node, "getblockhash", [.int(1)])
        let block = try await call(node, "getblock", [hash, .int(1)])
        guard case .array(let txs)? = block["tx"], case .string(let coinbase)? = txs.first else {
            throw TimedOut(description: "no coinbase in \(block.text(.bitcoind))")
        }
        return (node, try Txid(displayHex: coinbase))
    }

    func spend(_ outpoint: OutPoint, outputs: [TxOut]) -> Transaction {
        Transaction(
            version: 2, inputs: [TxIn(previousOutput: outpoint, scriptSig: [], sequence: 0xffff_fffd)],
            outputs: outputs, lockTime: 0)
    }

    @Test func descriptorChecksumMatchesTheBIP380Example() async throws {
        // doc/descriptors.md and BIP380: raw(deadbeef)#89f8spxm.
        let node = try SimnodeNode(publisher: nil)
        _ = try await call(node, "simgenerate", [.int(1)])
        let tx = spend(
            OutPoint(txid: Txid(Hash256.sha256d(of: [1])), index: 0),
            outputs: [TxOut(value: 1, scriptPubKey: [0xde, 0xad, 0xbe, 0xef])])
        _ = try await call(node, "sendrawtransaction", [.string(tx.serialized().hex)])
        let out = try await call(node, "gettxout", [.string(tx.txid.displayHex), .int(0)])
        #expect(out["scriptPubKey"]?["desc"] == .string("raw(deadbeef)#89f8spxm"))
        #expect(out["scriptPubKey"]?["type"] == .string("nonstandard"))
        #expect(out["scriptPubKey"]?["address"] == nil)
    }

    @Test func confirmedMempoolSpentAndUnknownOutputs() async throws {
        let (node, coinbase) = try await nodeWithMatureCoinbase()
        // The coinbase output: 101 confirmations, 50 BTC, OP_TRUE, coinbase.
        let coin = try await call(node, "gettxout", [.string(coinbase.displayHex), .int(0)])
        let tip = try await call(node, "getbestblockhash", [])
        #expect(coin.text(.bitcoind) == """
            {"bestblock":\(tip.text(.bitcoind)),"confirmations":101,"value":50.00000000,"scriptPubKey":{"asm":"1","desc":"raw(51)#8lvh9jxk","hex":"51","type":"nonstandard"},"coinbase":true}
            """)
        // Its witness-commitment output is OP_RETURN: never in the UTXO set.
        #expect(try await call(node, "gettxout", [.string(coinbase.displayHex), .int(1)]) == .null)
        #expect(try await call(node, "gettxout", [.string(coinbase.displayHex), .int(2)]) == .null)

        let wpkh = try [UInt8](hex: "0014751e76e8199196d454941c45d1b3a323f1433bd6")
        let tx = spend(OutPoint(txid: coinbase, index: 0), outputs: [TxOut(value: 4_999_990_000, scriptPubKey: wpkh)])
        _ = try await call(node, "sendrawtransaction", [.string(tx.serialized().hex)])
        // Spent in the mempool: null with include_mempool (the default), present without.
        #expect(try await call(node, "gettxout", [.string(coinbase.displayHex), .int(0)]) == .null)
        #expect(try await call(node, "gettxout", [.string(coinbase.displayHex), .int(0), .bool(false)])["confirmations"] == .int(101))
        // The new output: 0 confirmations from the mempool, null without it.
        let fresh = try await call(node, "gettxout", [.string(tx.txid.displayHex), .int(0)])
        #expect(fresh["confirmations"] == .int(0))
        #expect(fresh["coinbase"] == .bool(false))
        #expect(fresh["value"] == .amount(4_999_990_000))
        #expect(fresh["scriptPubKey"]?["address"] == .string("bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080"))
        #expect(fresh["scriptPubKey"]?["type"] == .string("witness_v0_keyhash"))
        #expect(fresh["scriptPubKey"]?["asm"] == .string("0 751e76e8199196d454941c45d1b3a323f1433bd6"))
        #expect(try await call(node, "gettxout", [.string(tx.txid.displayHex), .int(0), .bool(false)]) == .null)
        // Mined: one confirmation, and the coinbase output is gone for good.
        _ = try await call(node, "simgenerate", [.int(1)])
        #expect(try await call(node, "gettxout", [.string(tx.txid.displayHex), .int(0), .bool(false)])["confirmations"] == .int(1))
        #expect(try await call(node, "gettxout", [.string(coinbase.displayHex), .int(0), .bool(false)]) == .null)
        #expect(try await call(node, "gettxout", [.string(tx.txid.displayHex), .int(1)]) == .null)
        // Bad txid: bitcoind's parameter error.
        do {
            _ = try await call(node, "gettxout", [.string("00"), .int(0)])
            Issue.record("accepted a short txid")
        } catch {
            #expect(error.code == RPCFailure.invalidParameter)
        }
    }

    @Test func addressesOfStandardScriptsRoundTrip() async throws {
        let (node, coinbase) = try await nodeWithMatureCoinbase()
        let scripts: [(String, [UInt8], String)] = [
            ("pubkeyhash", [0x76, 0xa9, 0x14] + [UInt8](repeating: 0x11, count: 20) + [0x88, 0xac], "OP_DUP OP_HASH160 \(String(repeating: "11", count: 20)) OP_EQUALVERIFY OP_CHECKSIG"),
            ("scripthash", [0xa9, 0x14] + [UInt8](repeating: 0x22, count: 20) + [0x87], "OP_HASH160 \(String(repeating: "22", count: 20)) OP_EQUAL"),
            ("witness_v0_scripthash", [0x00, 0x20] + [UInt8](repeating: 0x33, count: 32), "0 \(String(repeating: "33", count: 32))"),
            ("witness_v1_taproot", [0x51, 0x20] + [UInt8](repeating: 0x44, count: 32), "1 \(String(repeating: "44", count: 32))"),
        ]
        let tx = spend(OutPoint(txid: coinbase, index: 0), outputs: scripts.map { TxOut(value: 1_000, scriptPubKey: $0.1) })
        _ = try await call(node, "sendrawtransaction", [.string(tx.serialized().hex)])
        for (i, (type, script, asm)) in scripts.enumerated() {
            let spk = try await call(node, "gettxout", [.string(tx.txid.displayHex), .int(Int64(i))])["scriptPubKey"]
            #expect(spk?["type"] == .string(type))
            #expect(spk?["asm"] == .string(asm))
            guard case .string(let address)? = spk?["address"] else { Issue.record("no address for \(type)"); continue }
            // simnode's address parser (used by generatetoaddress) gives the script back.
            #expect(RegtestAddress.scriptPubKey(address) == script, "\(type) \(address)")
            guard case .string(let desc)? = spk?["desc"] else { Issue.record("no desc"); continue }
            #expect(desc.hasPrefix(type == "witness_v1_taproot" ? "rawtr(\(String(repeating: "44", count: 32)))#" : "addr(\(address))#"))
        }
    }
}

struct TimedOut: Error, CustomStringConvertible { let description: String }
