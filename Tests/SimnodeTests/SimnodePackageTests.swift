import BitcoinPrimitives
import BitcoindRPC
import Simnode
import Testing
import TestSupport

/// `submitpackage`, `setnetworkactive` and `getrawtransaction` (without -txindex) as bitcoind
/// answers them (issue #21).
@Suite struct SimnodePackageTests {
    static func tx(_ seed: UInt8, spending prev: OutPoint? = nil) -> Transaction {
        Transaction(version: 2,
                    inputs: [TxIn(previousOutput: prev ?? OutPoint(txid: Txid(Hash256.sha256d(of: [seed])), index: 0), scriptSig: [0x51], sequence: 0xffff_fffd)],
                    outputs: [TxOut(value: 10_000, scriptPubKey: [0x51])], lockTime: 0)
    }

    struct Member: Decodable, Sendable { let txid: String; let vsize: Int }
    struct Reply26: Decodable, Sendable {
        let txResults: [String: Member]
        let replaced: [String]
        enum CodingKeys: String, CodingKey { case txResults = "tx-results", replaced = "replaced-transactions" }
    }
    struct Reply28: Decodable, Sendable {
        let packageMessage: String
        enum CodingKeys: String, CodingKey { case packageMessage = "package_msg" }
    }

    @Test func packageEntersTheMempoolInOrder() async throws {
        try await InProcessSimnode.with { node in
            let parent = Self.tx(1)
            let child = Self.tx(2, spending: OutPoint(txid: parent.txid, index: 0))
            let reply: Reply26 = try await node.rpc.call("submitpackage", [.array([.hex(parent.serialized()), .hex(child.serialized())])])
            #expect(reply.txResults[parent.wtxid.displayHex]?.txid == parent.txid.displayHex)
            #expect(reply.txResults[child.wtxid.displayHex]?.txid == child.txid.displayHex)
            #expect(reply.replaced.isEmpty)
            #expect(try await node.rpc.getRawMempool() == [parent.txid.hash, child.txid.hash])
            // Bounds and decoding as bitcoind: -8 outside 1...25, -22 for a member that is not a transaction.
            do {
                let _: Reply26 = try await node.rpc.call("submitpackage", [.array([])])
                Issue.record("an empty package was accepted")
            } catch {
                #expect((error as? BitcoindRPCError)?.rpcCode == -8, "\(error)")
            }
            do {
                let _: Reply26 = try await node.rpc.call("submitpackage", [.array([.hex(Self.tx(3).serialized()), .string("00")])])
                Issue.record("an undecodable member was accepted")
            } catch {
                #expect((error as? BitcoindRPCError)?.rpcCode == -22, "\(error)")
            }
            #expect(try await node.rpc.getRawMempool().count == 2, "a refused package left nothing behind")
        }
    }

    @Test func v28AddsPackageMessage() async throws {
        try await InProcessSimnode.with({ $0.coreVersion = .v28 }) { node in
            let reply: Reply28 = try await node.rpc.call("submitpackage", [.array([.hex(Self.tx(4).serialized())])])
            #expect(reply.packageMessage == "success")
        }
    }

    @Test func networkOffReportsAndRefuses() async throws {
        try await InProcessSimnode.with { node in
            struct Info: Decodable, Sendable { let networkactive: Bool; let connections: Int }
            let off: Bool = try await node.rpc.call("setnetworkactive", [false])
            #expect(off == false)
            let info: Info = try await node.rpc.call("getnetworkinfo")
            #expect(!info.networkactive && info.connections == 0)
            let peers: [BitcoindPeerInfo] = try await node.rpc.call("getpeerinfo")
            #expect(peers.isEmpty)
            let on: Bool = try await node.rpc.call("setnetworkactive", [true])
            #expect(on)
            let after: Info = try await node.rpc.call("getnetworkinfo")
            #expect(after.networkactive)
        }
    }

    @Test func getRawTransactionConfirmationsAsWithoutTxindex() async throws {
        try await InProcessSimnode.with { node in
            struct Verbose: Decodable, Sendable {
                let txid: String
                let hex: String
                let in_active_chain: Bool?
                let blockhash: String?
                let confirmations: Int?
                let blocktime: Int?
            }
            let tx = Self.tx(7)
            _ = try await node.rpc.sendRawTransaction(tx.serialized())
            let hex: String = try await node.rpc.call("getrawtransaction", [.string(tx.txid.displayHex)])
            #expect(hex == tx.serialized().hex)
            let pooled: Verbose = try await node.rpc.call("getrawtransaction", [.string(tx.txid.displayHex), .int(1)])
            #expect(pooled.txid == tx.txid.displayHex && pooled.confirmations == nil && pooled.blockhash == nil)
            let mined: [String] = try await node.rpc.call("simgenerate", [3])
            let first = try #require(mined.first)
            // Confirmed and no -txindex: only with the block's hash, confirmations counted from the tip.
            do {
                let _: String = try await node.rpc.call("getrawtransaction", [.string(tx.txid.displayHex)])
                Issue.record("found without -txindex or a block hash")
            } catch {
                #expect((error as? BitcoindRPCError)?.rpcCode == -5, "\(error)")
            }
            let inBlock: Verbose = try await node.rpc.call("getrawtransaction", [.string(tx.txid.displayHex), .bool(true), .string(first)])
            #expect(inBlock.in_active_chain == true && inBlock.blockhash == first && inBlock.confirmations == 3 && inBlock.blocktime != nil)
            do {
                let _: String = try await node.rpc.call("getrawtransaction", [.string(tx.txid.displayHex), .int(0), .string(try #require(mined.last))])
                Issue.record("found in a block that does not hold it")
            } catch {
                #expect((error as? BitcoindRPCError)?.rpcCode == -5, "\(error)")
            }
        }
    }
}
