import DriverProtocol
import JSON

/// Gives configuration text the types a driver's manifest declares for its options, so a
/// value keeps the type its option has rather than the type its text looks like: a
/// numeric-looking `rpcpassword=123456` stays the string "123456", `0017` stays "0017".
///
/// Only string values are converted, and only when the manifest declares the option:
/// `int` parses the text (left as text when it does not parse: the driver reports it), `bool`
/// takes `true`/`1` and `false`/`0`, `strings` wraps a single string in an array, `string` keeps
/// it. Values already typed (`.int`, `.array`...) and undeclared options pass unchanged.
public enum DriverOptionTypes {
    /// - Parameters:
    ///   - options: `init` options, configuration values as strings.
    ///   - specs: the manifest's options.
    /// - Returns: the options with declared types applied.
    public static func apply(_ options: [String: JSONValue], specs: [OptionSpec]) -> [String: JSONValue] {
        let types = Dictionary(specs.map { ($0.name, $0.type) }, uniquingKeysWith: { a, _ in a })
        var result = options
        for (key, value) in options {
            guard let type = types[key] else { continue }
            result[key] = typed(value, as: type)
        }
        return result
    }

    static func typed(_ value: JSONValue, as type: OptionSpec.ValueType) -> JSONValue {
        switch (type, value) {
        case (.int, .string(let text)):
            return Int64(text).map(JSONValue.int) ?? value
        case (.bool, .string(let text)):
            switch text {
            case "true", "1": return .bool(true)
            case "false", "0": return .bool(false)
            default: return value
            }
        case (.strings, .string):
            return .array([value])
        case (.string, .array(let items)) where items.count == 1:
            return items[0]
        default:
            return value
        }
    }
}
