/// Any JSON value: the one JSON type of altnet, read by every layer (driver options and error
/// data, bitcoind RPC parameters, simnode's requests and replies, JSON Schema instances).
///
/// Integers and fractional numbers are kept apart so `port=8333` survives a round trip exactly.
/// Objects keep their members' order (``JSONObject``), so a reply lists its fields in the order
/// it was built, as bitcoind prints them. Read text with ``parse(_:limits:)``, write it with
/// ``encoded(_:)``.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    /// A fixed-point number, `units` x 10^-`scale`, written with exactly `scale` decimals
    /// (bitcoind's BTC amounts: satoshis at scale 8, `ValueFromAmount`). Only built by code:
    /// the parser reads every number as `.int` or `.double`.
    case decimal(units: Int64, scale: UInt8)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)
}

extension JSONValue {
    /// An integer from an `Int` (positions, heights, counts).
    public static func int(_ value: Int) -> JSONValue { .int(Int64(value)) }

    /// The string, if this is a string.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The integer, if this is an integer.
    public var intValue: Int64? {
        if case .int(let value) = self { return value }
        return nil
    }

    /// The Boolean, if this is a Boolean.
    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The number as a `Double`, if this is a number of any kind.
    public var doubleValue: Double? {
        switch self {
        case .int(let value): Double(value)
        case .double(let value): value
        case .decimal(let units, let scale): Double(units) / JSONValue.powerOfTen(scale)
        default: nil
        }
    }

    /// The elements, if this is an array.
    public var arrayValue: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    /// The members, if this is an object.
    public var objectValue: JSONObject? {
        if case .object(let value) = self { return value }
        return nil
    }

    /// Whether this is `null`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The member named `key` of an object; nil when absent or when this is not an object.
    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    static func powerOfTen(_ scale: UInt8) -> Double {
        var result = 1.0
        for _ in 0..<scale { result *= 10 }
        return result
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByFloatLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) { self = .object(JSONObject(elements)) }
}
