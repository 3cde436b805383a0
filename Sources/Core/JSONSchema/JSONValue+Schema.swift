import Foundation
import JSON

/// JSON Schema's view of a `JSONValue`: its type names, numeric value and equality.
extension JSONValue {
    /// The JSON Schema type name: `null`, `boolean`, `integer` (also a number with no
    /// fractional part, as the 2020-12 draft says), `number`, `string`, `array`, `object`.
    var schemaTypeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .int: "integer"
        case .double(let value): value.isFinite && value == value.rounded() ? "integer" : "number"
        case .decimal(let units, let scale): JSONValue.double(Double(units) / pow(10, Double(scale))).schemaTypeName
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    /// The numeric value, if this is a number.
    var schemaNumber: Double? {
        switch self {
        case .int(let value): Double(value)
        case .double(let value): value
        case .decimal: doubleValue
        default: nil
        }
    }

    /// JSON equality as the draft defines it (``SchemaEqualityKey``).
    func schemaEquals(_ other: JSONValue) -> Bool { SchemaEqualityKey(self) == SchemaEqualityKey(other) }

    /// Compact JSON for messages, cut to `limit` characters.
    func schemaText(limit: Int = 60) -> String {
        let full = schemaRendered(budget: limit + 1)
        return full.count > limit ? String(full.prefix(limit)) + "..." : full
    }

    private func schemaRendered(budget: Int) -> String {
        switch self {
        case .null: return "null"
        case .bool(let value): return value ? "true" : "false"
        case .int(let value): return String(value)
        case .double(let value): return String(value)
        case .decimal: return text()
        case .string(let value): return "\"" + value.prefix(budget) + "\""
        case .array(let items):
            var out = "["
            for (index, item) in items.enumerated() {
                if out.count > budget { break }
                out += (index == 0 ? "" : ",") + item.schemaRendered(budget: budget - out.count)
            }
            return out + "]"
        case .object(let members):
            var out = "{"
            for (index, key) in members.keys.sorted().enumerated() {
                if out.count > budget { break }
                out += (index == 0 ? "" : ",") + "\"\(key)\":" + (members[key] ?? .null).schemaRendered(budget: budget - out.count)
            }
            return out + "}"
        }
    }
}
