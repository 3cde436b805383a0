import Foundation

/// A JSON value as simnode reads requests and writes replies.
///
/// Objects keep their key order, so replies list fields in the order bitcoind prints them.
/// `amount` is a satoshi count printed the way bitcoind prints BTC amounts (8 decimals).
public enum UniValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    /// Satoshis, written as BTC with exactly eight decimals (bitcoind's `ValueFromAmount`).
    case amount(Int64)
    case string(String)
    case array([UniValue])
    case object([(String, UniValue)])

    public static func == (a: UniValue, b: UniValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case let (.bool(x), .bool(y)): return x == y
        case let (.int(x), .int(y)): return x == y
        case let (.double(x), .double(y)): return x == y
        case let (.amount(x), .amount(y)): return x == y
        case let (.string(x), .string(y)): return x == y
        case let (.array(x), .array(y)): return x == y
        case let (.object(x), .object(y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }

    /// The member named `key` of an object, or nil.
    public subscript(key: String) -> UniValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.0 == key }?.1
    }

    /// The name bitcoind's UniValue uses for this value's type in "not of expected type" errors.
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "bool"
        case .int, .double, .amount: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    public var isNull: Bool { if case .null = self { return true } else { return false } }
}

extension UniValue: Decodable {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null; return }
        if let b = try? c.decode(Bool.self) { self = .bool(b); return }
        if let i = try? c.decode(Int64.self) { self = .int(i); return }
        if let d = try? c.decode(Double.self) { self = .double(d); return }
        if let s = try? c.decode(String.self) { self = .string(s); return }
        if let a = try? c.decode([UniValue].self) { self = .array(a); return }
        let o = try c.decode([String: UniValue].self)
        self = .object(o.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
    }

    /// Parses JSON text.
    /// - Throws: `Swift.DecodingError` if the text is not JSON.
    public static func parse(_ data: Data) throws -> UniValue {
        try JSONDecoder().decode(UniValue.self, from: data)
    }
}

extension UniValue {
    /// Compact JSON text, in the style of UniValue's `write()`.
    public var serialized: String {
        var out = ""
        write(to: &out)
        return out
    }

    func write(to out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d): out += d.isFinite ? Self.format(d) : "null"
        case .amount(let sats):
            let sign = sats < 0 ? "-" : ""
            let m = sats.magnitude
            let frac = String(m % 100_000_000)
            out += sign + String(m / 100_000_000) + "." + String(repeating: "0", count: 8 - frac.count) + frac
        case .string(let s): Self.writeString(s, to: &out)
        case .array(let items):
            out += "["
            for (i, v) in items.enumerated() {
                if i > 0 { out += "," }
                v.write(to: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (i, (k, v)) in members.enumerated() {
                if i > 0 { out += "," }
                Self.writeString(k, to: &out)
                out += ":"
                v.write(to: &out)
            }
            out += "}"
        }
    }

    /// Doubles as UniValue prints them (an ostream with precision 16, i.e. "%.16g").
    static func format(_ d: Double) -> String {
        String(format: "%.16g", d)
    }

    static func writeString(_ s: String, to out: inout String) {
        out += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if u.value < 0x20 {
                    let h = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        out += "\""
    }
}
