import BitcoinPrimitives
import Foundation
import JSON
import Testing

@testable import Simnode

/// simnode against Bitcoin Core v26-v28 where the audit (docs/simnode.md, "Checked against
/// Core") found it answering differently. Each expectation is Core's answer; the function that
/// gives it is named beside it.
@Suite struct SimnodeCoreAuditTests {
    /// A fixed clock (2027-01-15), so "two hours ahead" is exact.
    static let now: Int64 = 1_800_000_000
    let node: SimnodeNode

    init() throws { node = try SimnodeNode(publisher: nil, clock: { Self.now }) }

    func call(_ method: String, _ params: [JSONValue] = []) async throws(RPCFailure) -> JSONValue {
        try await node.call(method, params: .array(params))
    }

    /// A header on `parent` with valid regtest proof of work for 0x207fffff.
    static func header(parent: BlockHash, time: UInt32, bits: UInt32 = Regtest.bits, version: Int32 = 0x2000_0000) -> BlockHeader {
        var h = BlockHeader(version: version, previousBlockHash: parent, merkleRoot: Hash256(words: (9, 8, 7, 6)),
                            time: time, bits: bits, nonce: 0)
        while !Regtest.checkProofOfWork(h.hash, bits: Regtest.bits) { h.nonce += 1 }
        return h
    }

    func submitHeader(_ h: BlockHeader) async throws(RPCFailure) -> JSONValue {
        try await call("submitheader", [.string(h.serialized.hex)])
    }

    // MARK: submitheader: AcceptBlockHeader / ContextualCheckBlockHeader (src/validation.cpp)

    @Test func submitheaderOfAHeaderMarkedInvalidIsDuplicate() async throws {
        _ = try await call("simgenerate", [.int(3)])
        let tip = await node.chainSnapshot.tip
        _ = try await call("invalidateblock", [.string(tip.hash.displayHex)])
        // AcceptBlockHeader: a known header with BLOCK_FAILED_MASK -> BLOCK_CACHED_INVALID "duplicate".
        await #expect(throws: RPCFailure(RPCFailure.verifyError, "duplicate")) { try await submitHeader(tip.header) }
        // A known valid header is accepted again, unchecked: null.
        let one = try #require(await node.chainSnapshot.hash(atHeight: 1))
        let known = try #require(await node.chainSnapshot.entry(one)).header
        #expect(try await submitHeader(known) == .null)
    }

    @Test func targetAbovePowLimitIsHighHashNotBadDiffbits() async throws {
        let genesis = await node.chainSnapshot.tip
        // 0x2100ffff decodes to 0xffff << 240, above regtest's powLimit: CheckProofOfWork fails,
        // so CheckBlockHeader says "high-hash" before ContextualCheckBlockHeader sees the bits.
        let easy = Self.header(parent: genesis.hash, time: genesis.header.time + 1, bits: 0x2100_ffff)
        await #expect(throws: RPCFailure(RPCFailure.verifyError, "high-hash")) { try await submitHeader(easy) }
        // A harder target the hash meets is valid work, wrong for regtest: "bad-diffbits".
        var hard = Self.header(parent: genesis.hash, time: genesis.header.time + 1, bits: 0x207f_0000)
        while !Regtest.checkProofOfWork(hard.hash, bits: 0x207f_0000) { hard.nonce += 1 }
        await #expect(throws: RPCFailure(RPCFailure.verifyError, "bad-diffbits")) { try await submitHeader(hard) }
    }

    @Test func headerMoreThanTwoHoursAheadIsTimeTooNew() async throws {
        let genesis = await node.chainSnapshot.tip
        let limit = UInt32(Self.now + 2 * 3600)
        let late = Self.header(parent: genesis.hash, time: limit + 1)
        await #expect(throws: RPCFailure(RPCFailure.verifyError, "time-too-new")) { try await submitHeader(late) }
        #expect(try await submitHeader(Self.header(parent: genesis.hash, time: limit)) == .null)
    }

    @Test func versionBelowFourIsBadVersion() async throws {
        let genesis = await node.chainSnapshot.tip
        // BIP34/66/65 are active from height 1 on regtest (chainparams.cpp CRegTestParams).
        let old = Self.header(parent: genesis.hash, time: genesis.header.time + 1, version: 3)
        await #expect(throws: RPCFailure(RPCFailure.verifyError, "bad-version(0x00000003)")) { try await submitHeader(old) }
    }

    // MARK: submitblock (src/rpc/mining.cpp)

    @Test func submitblockOfAPrunedBlockIsDuplicate() async throws {
        _ = try await call("simgenerate", [.int(6)])
        let hash = try #require(await node.chainSnapshot.hash(atHeight: 2))
        let hex = try await call("getblock", [.string(hash.displayHex), .int(0)])
        _ = try await call("simprune", [.int(5)])
        // Pruned data keeps BLOCK_VALID_SCRIPTS: submitblock returns "duplicate" and stores nothing.
        #expect(try await call("submitblock", [hex]) == .string("duplicate"))
        await #expect(throws: RPCFailure(RPCFailure.miscError, "Block not available (pruned data)")) {
            try await call("getblock", [.string(hash.displayHex), .int(0)])
        }
    }

    // MARK: getblockfrompeer and prune mode (src/rpc/blockchain.cpp)

    @Test func prunedNodeRefusesToFetchBlocksAboveItsTip() async throws {
        _ = try await call("simgenerate", [.int(5)])
        let fork = try await call("simfork", [.int(0), .int(2), .string("headers-only")])
        guard case .string(let forkTip)? = fork["tip"] else {
            Issue.record("simfork gave no tip: \(fork)")
            return
        }
        _ = try await call("simprune", [.int(3)])
        await #expect(
            throws: RPCFailure(
                RPCFailure.miscError,
                "In prune mode, only blocks that the node has already synced previously can be fetched from a peer")
        ) { try await call("getblockfrompeer", [.string(forkTip), .int(0)]) }
        // A pruned block below the tip may still be fetched.
        let old = try #require(await node.chainSnapshot.hash(atHeight: 1))
        #expect(try await call("getblockfrompeer", [.string(old.displayHex), .int(0)]) == .object([]))
    }

    @Test func pruneModeIsReportedBeforeAnythingIsPruned() async throws {
        _ = try await call("simprune", [.int(0)])
        let info = try await call("getblockchaininfo")
        // getblockchaininfo: "pruned" is IsPruneMode(); "pruneheight" the first stored block.
        #expect(info["pruned"] == .bool(true))
        #expect(info["pruneheight"] == .int(0))
        #expect(info["automatic_pruning"] == .bool(false))
    }

    // MARK: "target" and "bits" (v29, PR #31583)

    /// From v29 block headers carry the expanded target after "bits", and getblockchaininfo
    /// "bits" and "target" after "bestblockhash"; before, neither (values and order as bitcoind
    /// v30.99 printed them on regtest).
    @Test(arguments: CoreVersion.allCases)
    func targetAndBitsFromV29(version: CoreVersion) async throws {
        let node = try SimnodeNode(publisher: nil, clock: { Self.now }, coreVersion: version)
        _ = try await node.call("simgenerate", params: .array([.int(3)]))
        let hash = try await node.call("getblockhash", params: .array([.int(2)]))
        let header = try await node.call("getblockheader", params: .array([hash]))
        let block = try await node.call("getblock", params: .array([hash]))
        let info = try await node.call("getblockchaininfo", params: .null)
        let target = "7fffff0000000000000000000000000000000000000000000000000000000000"
        if version >= .v29 {
            #expect(header.text().contains(#""bits":"207fffff","target":"\#(target)","difficulty":"#), "\(header.text())")
            #expect(block["target"] == .string(target))
            #expect(info.text().contains(#""bestblockhash":\#(try #require(info["bestblockhash"]).text()),"bits":"207fffff","target":"\#(target)","difficulty":"#),
                    "\(info.text())")
        } else {
            #expect(header["target"] == nil && block["target"] == nil && info["target"] == nil && info["bits"] == nil)
            #expect(header.text().contains(#""bits":"207fffff","difficulty":"#))
        }
    }

    // MARK: sendrawtransaction (src/node/transaction.cpp BroadcastTransaction)

    @Test(arguments: CoreVersion.allCases)
    func resendingAConfirmedTransactionIsAlreadyInChain(version: CoreVersion) async throws {
        let node = try SimnodeNode(publisher: nil, clock: { Self.now }, coreVersion: version)
        let tx = Transaction(
            version: 2,
            inputs: [TxIn(previousOutput: OutPoint(txid: Txid(Hash256.sha256d(of: [7])), index: 0), scriptSig: [], sequence: 0xffff_fffd)],
            outputs: [TxOut(value: 49_000, scriptPubKey: [0x51])], lockTime: 0)
        let hex = JSONValue.array([.string(tx.serialized().hex)])
        #expect(try await node.call("sendrawtransaction", params: hex) == .string(tx.txid.hash.displayHex))
        // Again while in the mempool: the txid, no error.
        #expect(try await node.call("sendrawtransaction", params: hex) == .string(tx.txid.hash.displayHex))
        _ = try await node.call("simgenerate", params: .array([.int(1)]))
        // v26/v27 "Transaction already in block chain", v28 "Transaction outputs already in utxo set".
        let message = version >= .v28 ? "Transaction outputs already in utxo set" : "Transaction already in block chain"
        await #expect(throws: RPCFailure(RPCFailure.verifyAlreadyInChain, message)) {
            try await node.call("sendrawtransaction", params: hex)
        }
        #expect(try await node.call("getrawmempool", params: .null) == .array([]))
    }
}
