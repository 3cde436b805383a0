/// Text a peer chose (ids, user agents, warnings, error messages it caused), made safe for one
/// log line: control characters and non-ASCII escaped (`\n`, `\u{1b}`), cut to a length. Every
/// peer-chosen string goes through it before it reaches a log.
public enum LogText {
    /// - Parameters:
    ///   - text: untrusted text.
    ///   - limit: most characters kept before `...`.
    /// - Returns: printable ASCII only.
    public static func escaped(_ text: String, limit: Int) -> String {
        var out = ""
        for scalar in text.unicodeScalars.prefix(limit) {
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\\": out += "\\\\"
            case " "..."~": out.unicodeScalars.append(scalar)
            default: out += "\\u{\(String(scalar.value, radix: 16))}"
            }
        }
        if text.unicodeScalars.count > limit { out += "..." }
        return out
    }
}
