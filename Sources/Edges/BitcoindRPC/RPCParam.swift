import BitcoinPrimitives
import Foundation

/// A positional JSON-RPC parameter.
public enum RPCParam: Sendable, Equatable, Encodable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByBooleanLiteral
{
    case string(String)
    case int(Int)
    case double(Double)
    case bool(Bool)
    case null
    case array([RPCParam])
    /// A JSON object (e.g. options, or simnode's peer descriptions).
    case object([String: RPCParam])

    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }

    /// A hash in display hex, as RPC takes block hashes and txids.
    public static func hash(_ h: Hash256) -> RPCParam { .string(h.displayHex) }
    public static func hash(_ h: BlockHash) -> RPCParam { .string(h.displayHex) }
    /// Bytes as hex (raw transactions, blocks, headers).
    public static func hex(_ bytes: [UInt8]) -> RPCParam { .string(bytes.hex) }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .string(let s): try c.encode(s)
        case .int(let i): try c.encode(i)
        case .double(let d): try c.encode(d)
        case .bool(let b): try c.encode(b)
        case .null: try c.encodeNil()
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }
}

/// Request bodies in the JSON-RPC 1.0 style bitcoin-cli sends: {"method","params","id"}.
enum RPCRequestBody {
    private struct Request: Encodable {
        let method: String
        let params: [RPCParam]
        let id: Int
    }

    static func single(method: String, params: [RPCParam], id: Int) -> [UInt8] {
        encode(Request(method: method, params: params, id: id))
    }

    static func batch(method: String, paramsList: [[RPCParam]], ids: [Int]) -> [UInt8] {
        encode(zip(paramsList, ids).map { Request(method: method, params: $0, id: $1) })
    }

    private static func encode(_ value: some Encodable) -> [UInt8] {
        // Encoding strings, numbers and arrays cannot fail; an empty body would be rejected by
        // bitcoind as a parse error, so nothing is hidden.
        Array((try? JSONEncoder().encode(value)) ?? Data())
    }
}

/// A result whose content is ignored (null or {}).
public struct RPCIgnored: Decodable, Sendable {
    public init(from decoder: any Decoder) throws {}
}
