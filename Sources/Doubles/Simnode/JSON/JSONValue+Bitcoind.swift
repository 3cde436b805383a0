import JSON

/// bitcoind's spellings of JSON values (src/univalue, src/core_io.cpp).
extension JSONValue {
    /// Satoshis written as BTC with exactly eight decimals (bitcoind's `ValueFromAmount`).
    public static func amount(_ sats: Int64) -> JSONValue { .decimal(units: sats, scale: 8) }

    /// The name bitcoind's UniValue uses for this value's type in "not of expected type" errors.
    var uniValueTypeName: String {
        switch self {
        case .null: "null"
        case .bool: "bool"
        case .int, .double, .decimal: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    /// bitcoind's depth limit for a request (univalue's MAX_JSON_DEPTH).
    static let bitcoindMaxDepth = 512
}
