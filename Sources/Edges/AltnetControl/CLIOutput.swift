import DriverProtocol
import Foundation
import JSON

/// How the command-line tools print results: strings bare (as bitcoin-cli does), everything else
/// as pretty JSON with sorted keys.
public enum CLIOutput {
    /// - Parameter value: a result.
    /// - Returns: the text to print.
    public static func render(_ value: JSONValue) -> String {
        if case .string(let text) = value { return text }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else { return "null" }
        return String(decoding: data, as: UTF8.self)
    }
}
