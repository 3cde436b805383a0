/// The name of one driver instance: the `NAME` of `[driver.NAME]` (or a built-in section's name).
///
/// It names the driver everywhere: its data directory (`DIR/NAME`), its node key
/// (`DIR/NAME/node_key`), the `driver` label of every metric, the `driver` field of its log lines,
/// and the argument of `altnet-cli` commands. So it is short and safe in all of those: 1 to 32
/// characters of `a-z`, `0-9`, `-` and `_`, starting with a letter or a digit.
public enum DriverName {
    /// The section prefix of a driver instance: `[driver.NAME]`.
    public static let sectionPrefix = "driver."
    /// Longest name.
    public static let maxLength = 32
    /// The rule, for error messages.
    public static let rule = "a driver name is 1 to \(maxLength) characters of a-z 0-9 - _, starting with a letter or digit"

    /// Whether `name` follows the rule.
    public static func isValid(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard let first = bytes.first, bytes.count <= maxLength, isLowerAlnum(first) else { return false }
        return bytes.allSatisfy { isLowerAlnum($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") }
    }

    /// The NAME of a `driver.NAME` section, or nil for another section.
    public static func of(section: String) -> String? {
        section.hasPrefix(sectionPrefix) ? String(section.dropFirst(sectionPrefix.count)) : nil
    }

    private static func isLowerAlnum(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }
}
