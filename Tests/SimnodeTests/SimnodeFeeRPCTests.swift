import BitcoinPrimitives
import JSON
import Testing

@testable import Simnode

/// `getmempoolinfo` and `estimatesmartfee`, which Core Lightning's bcli plugin calls before it
/// will fund a channel, as Bitcoin Core v26-v30 answers them on regtest (src/rpc/mempool.cpp
/// MempoolInfoToJSON; src/rpc/fees.cpp estimatesmartfee; src/rpc/util.cpp ParseConfirmTarget).
/// Replies are compared as the compact JSON text bitcoind writes, so key order and number
/// formats (amounts with eight decimals) are checked too.
@Suite struct SimnodeFeeRPCTests {
    static let now: Int64 = 1_800_000_000

    static func node(_ version: CoreVersion = .v26) throws -> SimnodeNode {
        try SimnodeNode(publisher: nil, clock: { Self.now }, coreVersion: version)
    }

    /// A 62-byte transaction without witness (vsize 62), distinct per seed.
    static func tx(_ seed: UInt8) -> Transaction {
        Transaction(
            version: 2,
            inputs: [TxIn(previousOutput: OutPoint(txid: Txid(Hash256.sha256d(of: [seed])), index: 0), scriptSig: [0x51], sequence: 0xffff_fffd)],
            outputs: [TxOut(value: 10_000, scriptPubKey: [0x51])], lockTime: 0)
    }

    static func mempoolInfoText(size: Int, bytes: Int, usage: Int, fullrbf: Bool) -> String {
        #"{"loaded":true,"size":\#(size),"bytes":\#(bytes),"usage":\#(usage),"total_fee":0.00000000,"#
            + #""maxmempool":300000000,"mempoolminfee":0.00001000,"minrelaytxfee":0.00001000,"#
            + #""incrementalrelayfee":0.00001000,"unbroadcastcount":0,"fullrbf":\#(fullrbf)}"#
    }

    /// v30's empty getmempoolinfo on regtest, as bitcoind v30.99 (built from source) printed it
    /// with its cluster fields (v31's, unreleased) left out: 100 sat/kvB relay fees (PR #33106),
    /// then "permitbaremultisig" and "maxdatacarriersize" (PR #29954, 100,000 since PR #32406).
    static let v30MempoolInfoText = #"{"loaded":true,"size":0,"bytes":0,"usage":0,"total_fee":0.00000000,"#
        + #""maxmempool":300000000,"mempoolminfee":0.00000100,"minrelaytxfee":0.00000100,"#
        + #""incrementalrelayfee":0.00000100,"unbroadcastcount":0,"fullrbf":true,"#
        + #""permitbaremultisig":true,"maxdatacarriersize":100000}"#

    static let noFeeData = #"{"errors":["Insufficient data or no feerate found"],"blocks":0}"#

    // MARK: getmempoolinfo

    @Test(arguments: CoreVersion.allCases)
    func emptyMempoolInfoIsCoresRegtestDefaults(version: CoreVersion) async throws {
        let node = try Self.node(version)
        let info = try await node.call("getmempoolinfo", params: .null)
        // fullrbf: DEFAULT_MEMPOOL_FULL_RBF, false in v26/v27, true from v28.
        if version >= .v30 {
            #expect(info.text() == Self.v30MempoolInfoText)
        } else {
            #expect(info.text() == Self.mempoolInfoText(size: 0, bytes: 0, usage: 0, fullrbf: version >= .v28))
        }
        #expect(try await node.call("getmempoolinfo", params: .array([])) == info)
    }

    @Test func mempoolInfoFollowsTheMempool() async throws {
        let node = try Self.node()
        let first = Self.tx(1), second = Self.tx(2)
        #expect(first.serialized().count == 62)
        _ = try await node.call("sendrawtransaction", params: .array([.string(first.serialized().hex)]))
        let one = try await node.call("getmempoolinfo", params: .null)
        let usageOne = try #require(one["usage"]?.intValue)
        #expect(usageOne > 0)
        #expect(one.text() == Self.mempoolInfoText(size: 1, bytes: 62, usage: Int(usageOne), fullrbf: false))
        // The vsize getmempoolentry reports is what "bytes" sums.
        let entry = try await node.call("getmempoolentry", params: .array([.string(first.txid.hash.displayHex)]))
        #expect(entry["vsize"] == .int(62))

        _ = try await node.call("sendrawtransaction", params: .array([.string(second.serialized().hex)]))
        let two = try await node.call("getmempoolinfo", params: .null)
        let usageTwo = try #require(two["usage"]?.intValue)
        #expect(usageTwo > usageOne)
        #expect(two.text() == Self.mempoolInfoText(size: 2, bytes: 124, usage: Int(usageTwo), fullrbf: false))

        // A block confirms both: the mempool is empty again.
        _ = try await node.call("simgenerate", params: .array([.int(1)]))
        let after = try await node.call("getmempoolinfo", params: .null)
        #expect(after.text() == Self.mempoolInfoText(size: 0, bytes: 0, usage: 0, fullrbf: false))
    }

    @Test func getmempoolinfoTakesNoArguments() async throws {
        let node = try Self.node()
        await #expect(throws: RPCFailure(RPCFailure.miscError, "getmempoolinfo")) {
            try await node.call("getmempoolinfo", params: .array([.int(1)]))
        }
    }

    // MARK: estimatesmartfee

    @Test func withoutFeeDataEveryTargetAnswersBlocksZero() async throws {
        let node = try Self.node()
        for target: Int64 in [1, 2, 6, 144, 1008] {
            #expect(try await node.call("estimatesmartfee", params: .array([.int(target)])).text() == Self.noFeeData)
        }
        // Every mode, in any case (FeeModeFromString compares upper-cased), and named.
        for mode in ["unset", "economical", "conservative", "CONSERVATIVE", "Economical"] {
            let reply = try await node.call("estimatesmartfee", params: .array([.int(6), .string(mode)]))
            #expect(reply.text() == Self.noFeeData, "\(mode)")
        }
        let named = JSONValue.object([("conf_target", .int(3)), ("estimate_mode", .string("economical"))])
        #expect(try await node.call("estimatesmartfee", params: named).text() == Self.noFeeData)
        // simnode has no fee estimator: confirmed transactions change nothing.
        _ = try await node.call("sendrawtransaction", params: .array([.string(Self.tx(3).serialized().hex)]))
        _ = try await node.call("simgenerate", params: .array([.int(3)]))
        #expect(try await node.call("estimatesmartfee", params: .array([.int(2)])).text() == Self.noFeeData)
    }

    @Test(arguments: [Int64(0), -1, 1009, 100_000])
    func targetOutsideOneTo1008IsInvalidParameter(target: Int64) async throws {
        let node = try Self.node()
        await #expect(throws: RPCFailure(RPCFailure.invalidParameter, "Invalid conf_target, must be between 1 and 1008")) {
            try await node.call("estimatesmartfee", params: .array([.int(target)]))
        }
    }

    @Test func argumentErrorsAreCores() async throws {
        let node = try Self.node()
        let badMode = #"Invalid estimate_mode parameter, must be one of: "unset", "economical", "conservative""#
        await #expect(throws: RPCFailure(RPCFailure.invalidParameter, badMode)) {
            try await node.call("estimatesmartfee", params: .array([.int(6), .string("fast")]))
        }
        // The target is checked before the mode.
        await #expect(throws: RPCFailure(RPCFailure.invalidParameter, "Invalid conf_target, must be between 1 and 1008")) {
            try await node.call("estimatesmartfee", params: .array([.int(0), .string("fast")]))
        }
        // RPCHelpMan's type check: -3; getInt<int> of a non-integer or out of int range: -1.
        await #expect(throws: RPCFailure(RPCFailure.typeError, "JSON value of type string is not of expected type number")) {
            try await node.call("estimatesmartfee", params: .array([.string("6")]))
        }
        await #expect(throws: RPCFailure(RPCFailure.typeError, "JSON value of type number is not of expected type string")) {
            try await node.call("estimatesmartfee", params: .array([.int(6), .int(1)]))
        }
        for value in [JSONValue.double(2.5), .int(1 << 40)] {
            await #expect(throws: RPCFailure(RPCFailure.miscError, "JSON integer out of range")) {
                try await node.call("estimatesmartfee", params: .array([value]))
            }
        }
        // conf_target is required: usage (-1).
        await #expect(throws: RPCFailure.self) { try await node.call("estimatesmartfee", params: .array([])) }
        do {
            _ = try await node.call("estimatesmartfee", params: .null)
            Issue.record("estimatesmartfee without conf_target answered")
        } catch {
            #expect(error.code == RPCFailure.miscError)
        }
    }
}
