import JSON

/// A JSON value in the form JSON Schema compares values in (`enum`, `const`, `uniqueItems`):
/// numbers by value (`1.0 == 1`, `-0.0 == 0`), strings by code points, compared as UTF-8 (Swift's `String ==`
/// treats `"é"` and `"e\u{301}"` as equal; JSON does not), objects regardless of member order.
/// Hashable, so `uniqueItems` is linear in the array's length, not quadratic.
enum SchemaEqualityKey: Hashable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string([UInt8])
    case array([SchemaEqualityKey])
    case object([[UInt8]: SchemaEqualityKey])

    init(_ value: JSONValue) {
        switch value {
        case .null: self = .null
        case .bool(let flag): self = .bool(flag)
        case .int(let number): self = .int(number)
        case .decimal:
            self = SchemaEqualityKey(.double(value.doubleValue ?? 0))
        case .double(let number):
            if number == number.rounded(), number >= -9.223372036854775808e18, number < 9.223372036854775808e18 {
                self = .int(Int64(number))
            } else {
                self = .double(number)
            }
        case .string(let text): self = .string(Array(text.utf8))
        case .array(let items): self = .array(items.map(SchemaEqualityKey.init))
        case .object(let members):
            var keyed: [[UInt8]: SchemaEqualityKey] = [:]
            for (name, member) in members { keyed[Array(name.utf8)] = SchemaEqualityKey(member) }
            self = .object(keyed)
        }
    }
}
