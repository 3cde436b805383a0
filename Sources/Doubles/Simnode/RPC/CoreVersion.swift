import JSON

/// The Bitcoin Core release simnode answers as, where releases differ in what altnet sees.
///
/// | | v26, v27 | v28 |
/// | --- | --- | --- |
/// | JSON-RPC 2.0 requests (src/httprpc.cpp, src/rpc/request.cpp) | answered as 1.0 | 2.0 replies, errors in HTTP 200, notifications 204 |
/// | a 1.0 request without "id" | reply with "id": null | reply without "id" |
/// | "warnings" of getblockchaininfo / getnetworkinfo | a string | an array of strings |
/// | sendrawtransaction of a confirmed transaction (-27) | "Transaction already in block chain" | "Transaction outputs already in utxo set" |
/// | getmempoolinfo "fullrbf" (-mempoolfullrbf default, src/kernel/mempool_options.h) | false | true |
public enum CoreVersion: Int, Sendable, CaseIterable, CustomStringConvertible {
    case v26 = 26
    case v27 = 27
    case v28 = 28

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

    /// An empty "warnings" field in this version's shape.
    var noWarnings: JSONValue { warningsAreArray ? .array([]) : .string("") }

    public var description: String { "v\(rawValue)" }
}

extension CoreVersion: Comparable {
    public static func < (a: CoreVersion, b: CoreVersion) -> Bool { a.rawValue < b.rawValue }
}
