import JSON

/// The Bitcoin Core release simnode answers as, where releases differ in what altnet sees.
///
/// | | v26, v27 | v28 | v29 | v30 |
/// | --- | --- | --- | --- | --- |
/// | JSON-RPC 2.0 requests (src/httprpc.cpp, src/rpc/request.cpp) | answered as 1.0 | 2.0 replies, errors in HTTP 200, notifications 204 | as v28 | as v28 |
/// | a 1.0 request without "id" | reply with "id": null | reply without "id" | as v28 | as v28 |
/// | "warnings" of getblockchaininfo / getnetworkinfo | a string | an array of strings | as v28 | as v28 |
/// | sendrawtransaction of a confirmed transaction (-27) | "Transaction already in block chain" | "Transaction outputs already in utxo set" | as v28 | as v28 |
/// | getmempoolinfo "fullrbf" (-mempoolfullrbf default, src/kernel/mempool_options.h) | false | true | true | true |
/// | "target" in getblockheader / getblock, "bits" and "target" in getblockchaininfo (PR #31583) | absent | absent | present | present |
/// | getmempoolinfo "permitbaremultisig", "maxdatacarriersize" (PR #29954) | absent | absent | absent | present |
/// | -minrelaytxfee / -incrementalrelayfee defaults, getmempoolinfo's fee fields (PR #33106) | 1,000 sat/kvB | 1,000 | 1,000 | 100 |
///
/// The v29 and v30 rows were read from Bitcoin Core's history (#31583 merged in January 2025,
/// before the v29 branch-off of March 2025; #29954, #32406 and #33106 merged June to August
/// 2025, before the v30 branch-off of September 2025) and checked
/// against a bitcoind v30.99 built from source: the same RPC calls to both, keys, types, codes
/// and messages compared.
public enum CoreVersion: Int, Sendable, CaseIterable, CustomStringConvertible {
    case v26 = 26
    case v27 = 27
    case v28 = 28
    case v29 = 29
    case v30 = 30

    /// getnetworkinfo's "version" (CLIENT_VERSION: major * 10000).
    public var clientVersion: Int { rawValue * 10_000 }

    /// Whether JSON-RPC 2.0 requests get 2.0 replies (Core v28, PR #27101).
    public var speaksJSONRPC2: Bool { self >= .v28 }

    /// Whether "warnings" is an array (v28; a string before, or with -deprecatedrpc=warnings).
    public var warningsAreArray: Bool { self >= .v28 }

    /// TransactionErrorString for ALREADY_IN_CHAIN / ALREADY_IN_UTXO_SET (src/util/error.cpp).
    public var alreadyInChainMessage: String {
        self >= .v28 ? "Transaction outputs already in utxo set" : "Transaction already in block chain"
    }

    /// getmempoolinfo's "fullrbf" with the default -mempoolfullrbf (DEFAULT_MEMPOOL_FULL_RBF, true from v28).
    public var fullRBFByDefault: Bool { self >= .v28 }

    /// Whether block headers and getblockchaininfo carry the expanded "target" (and
    /// getblockchaininfo "bits"): v29, PR #31583.
    public var reportsTarget: Bool { self >= .v29 }

    /// The default -minrelaytxfee and -incrementalrelayfee in sat/kvB (DEFAULT_MIN_RELAY_TX_FEE,
    /// DEFAULT_INCREMENTAL_RELAY_FEE, src/policy/policy.h): 1,000 until v29, 100 from v30 (PR #33106).
    public var minRelayFeePerKvB: Int64 { self >= .v30 ? 100 : 1_000 }

    /// Whether getmempoolinfo reports "permitbaremultisig" and "maxdatacarriersize": v30, PR #29954.
    public var reportsDataCarrierPolicy: Bool { self >= .v30 }

    /// An empty "warnings" field in this version's shape.
    var noWarnings: JSONValue { warningsAreArray ? .array([]) : .string("") }

    public var description: String { "v\(rawValue)" }
}

extension CoreVersion: Comparable {
    public static func < (a: CoreVersion, b: CoreVersion) -> Bool { a.rawValue < b.rawValue }
}
