/// Command-line flags as configuration: every `altnet.conf` key is also a flag.
///
/// The scheme, one for every key:
/// - `--network=regtest` (or `--network regtest`) sets a top-level key;
/// - `--bitcoind.rpcconnect=127.0.0.1:18443` sets `rpcconnect` in `[bitcoind]`;
/// - `--rpc` alone (a section name without a dot or value) enables a driver section with no keys;
/// - a repeated flag (`--bip324.connect=A --bip324.connect=B`) keeps every value, in order.
///
/// Flags override the file: a key given as a flag replaces every value the file gave it.
extension ConfigFile {
    /// Parses flags into a configuration (line numbers are flag positions, from 1).
    /// - Parameters:
    ///   - flags: the arguments, each starting with `--`.
    ///   - sectionFlags: names that may appear alone to enable a section (the driver sections).
    /// - Throws: ``ConfigError`` naming the flag position.
    public init(flags: [String], sectionFlags: Set<String>) throws(ConfigError) {
        var entries: [Entry] = []
        var sections: [String] = []
        var index = 0
        while index < flags.count {
            let flag = flags[index]
            let position = index + 1
            index += 1
            guard flag.hasPrefix("--"), flag.count > 2 else {
                throw ConfigError(line: position, problem: .invalidValue(key: "argument", value: flag, expected: "--section.key=value"))
            }
            let body = flag.dropFirst(2)
            var key: Substring
            let value: Substring
            if let eq = body.firstIndex(of: "=") {
                key = body[..<eq]
                value = body[body.index(after: eq)...]
            } else if sectionFlags.contains(String(body)) {
                if !sections.contains(String(body)) { sections.append(String(body)) }
                continue
            } else if index < flags.count, !flags[index].hasPrefix("--") {
                key = body
                value = Substring(flags[index])
                index += 1
            } else {
                throw ConfigError(line: position, problem: .missingEquals(String(body)))
            }
            if key.contains("#") || value.contains("#") || value.contains(where: \.isNewline) {
                throw ConfigError(line: position, problem: .invalidValue(key: String(key), value: String(value), expected: "no '#' or newline"))
            }
            var section = ""
            if let dot = key.lastIndex(of: ".") {
                section = String(key[..<dot])
                key = key[key.index(after: dot)...]
                if !sections.contains(section) { sections.append(section) }
            }
            guard !key.isEmpty else { throw ConfigError(line: position, problem: .emptyKey) }
            entries.append(Entry(section: section, key: String(key), value: String(value).trimmingBlanks, line: position))
        }
        self.init(entries: entries, sections: sections)
    }

    /// This file with `overrides` applied: each (section, key) the overrides set replaces every
    /// value this file gave it; sections the overrides name are added.
    /// - Parameter overrides: usually from ``init(flags:sectionFlags:)``.
    /// - Returns: the merged configuration.
    public func overridden(by overrides: ConfigFile) -> ConfigFile {
        let replaced = Set(overrides.entries.map { SectionKey(section: $0.section, key: $0.key) })
        let kept = entries.filter { !replaced.contains(SectionKey(section: $0.section, key: $0.key)) }
        var sections = self.sections
        for section in overrides.sections where !sections.contains(section) { sections.append(section) }
        return ConfigFile(entries: kept + overrides.entries, sections: sections)
    }

    init(entries: [Entry], sections: [String]) {
        self.entries = entries
        self.sections = sections
    }

    private struct SectionKey: Hashable {
        let section: String
        let key: String
    }
}
