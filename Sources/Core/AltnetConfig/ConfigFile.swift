/// A parsed `altnet.conf`, in bitcoin.conf syntax.
///
/// The syntax follows Bitcoin Core's config reader (src/common/config.cpp), so a bitcoind user
/// meets no surprises:
/// - `#` starts a comment anywhere on a line (so values cannot contain `#`; a password key that
///   had a `#` cut off is an error rather than a silently shortened secret);
/// - blank space is trimmed around lines, keys and values;
/// - `[section]` starts a section; `section.key=value` sets a key in a section from anywhere;
/// - a line without `=` is an error (with the negation hint, as Core gives it), and so is a key
///   written with a leading `-`;
/// - a key may repeat (`connect=` lines); all values are kept, in order.
///
/// Parsing is pure: bytes in, a ``ConfigFile`` or a ``ConfigError`` with a line number out.
public struct ConfigFile: Sendable, Equatable {
    /// One `key=value`, with the section it belongs to (`""` for the top) and its line.
    public struct Entry: Sendable, Equatable {
        public let section: String
        public let key: String
        public let value: String
        public let line: Int
    }

    /// Every entry in file order.
    public let entries: [Entry]
    /// Every section named by a `[section]` header or a `section.key` entry, in first-seen order.
    public let sections: [String]

    /// Parses the text of a configuration file.
    /// - Throws: ``ConfigError`` naming the line.
    public init(parsing text: String) throws(ConfigError) {
        var entries: [Entry] = []
        var sections: [String] = []
        var section = ""
        var lineNumber = 0
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            lineNumber += 1
            var line = Substring(rawLine)
            var hadComment = false
            if let hash = line.firstIndex(of: "#") {
                line = line[..<hash]
                hadComment = true
            }
            let trimmed = line.trimmingBlanks
            if trimmed.isEmpty { continue }
            if trimmed.first == "[" && trimmed.last == "]" {
                section = String(trimmed.dropFirst().dropLast()).trimmingBlanks
                if !sections.contains(section) { sections.append(section) }
                continue
            }
            if trimmed.first == "-" {
                throw ConfigError(line: lineNumber, problem: .leadingDash(trimmed))
            }
            guard let eq = trimmed.firstIndex(of: "=") else {
                throw ConfigError(line: lineNumber, problem: .missingEquals(trimmed))
            }
            var key = String(trimmed[..<eq]).trimmingBlanks
            let value = String(trimmed[trimmed.index(after: eq)...]).trimmingBlanks
            var entrySection = section
            if let dot = key.lastIndex(of: ".") {
                // `section.key=value`, as Core allows, relative to the current section.
                let prefix = String(key[..<dot])
                entrySection = section.isEmpty ? prefix : section + "." + prefix
                key = String(key[key.index(after: dot)...])
                if !sections.contains(entrySection) { sections.append(entrySection) }
            }
            guard !key.isEmpty else { throw ConfigError(line: lineNumber, problem: .emptyKey) }
            if hadComment && key.contains("password") {
                throw ConfigError(line: lineNumber, problem: .hashInPassword(key))
            }
            entries.append(Entry(section: entrySection, key: key, value: value, line: lineNumber))
        }
        self.entries = entries
        self.sections = sections
    }

    /// Whether `[name]` (or a `name.key=` entry) appears: a driver runs when its section is present.
    public func hasSection(_ name: String) -> Bool { sections.contains(name) }

    /// Every value of `key` in `section`, in file order.
    public func values(_ key: String, in section: String = "") -> [String] {
        entries.filter { $0.section == section && $0.key == key }.map(\.value)
    }

    /// The last value of `key` in `section` (later lines override earlier ones, as in Core).
    public func value(_ key: String, in section: String = "") -> String? { values(key, in: section).last }

    /// Keys in `section` that are not in `known`, with their lines: to report typos clearly.
    public func unknownKeys(in section: String, known: Set<String>) -> [Entry] {
        entries.filter { $0.section == section && !known.contains($0.key) }
    }
}

/// A configuration file that cannot be read, with the line to look at.
public struct ConfigError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Problem: Equatable, Sendable {
        case missingEquals(String)
        case leadingDash(String)
        case emptyKey
        case hashInPassword(String)
        case invalidValue(key: String, value: String, expected: String)
        case unknownKey(section: String, key: String)
        /// A `[driver.NAME]` whose NAME breaks the naming rule (``DriverName``).
        case badDriverName(String)
        /// Two driver sections with one name (`[bip324]` and `[driver.bip324]`).
        case duplicateDriver(String)
        /// A `[driver.NAME]` without a usable `command=`.
        case badCommand(driver: String, problem: String)
    }

    public let line: Int
    public let problem: Problem

    public init(line: Int, problem: Problem) {
        self.line = line
        self.problem = problem
    }

    public var description: String {
        switch problem {
        case .missingEquals(let text):
            var s = "parse error on line \(line): \(text)"
            if text.count >= 2 && text.hasPrefix("no") {
                s += ", if you intended to specify a negated option, use \(text)=1 instead"
            }
            return s
        case .leadingDash(let text):
            return "parse error on line \(line): \(text), options in configuration file must be specified without leading -"
        case .emptyKey:
            return "parse error on line \(line): empty key before '='"
        case .hashInPassword(let key):
            return "parse error on line \(line), using # in \(key) can be ambiguous and should be avoided"
        case .invalidValue(let key, let value, let expected):
            return "line \(line): invalid value '\(value)' for \(key): expected \(expected)"
        case .unknownKey(let section, let key):
            let name = section.isEmpty ? key : "[\(section)] \(key)"
            return "line \(line): unknown configuration key \(name)"
        case .badDriverName(let name):
            return "line \(line): [driver.\(name.prefix(80))]: \(DriverName.rule)"
        case .duplicateDriver(let name):
            return "line \(line): two drivers are named \(name): [\(name)] is the built-in shorthand for [driver.\(name)]; rename one"
        case .badCommand(let driver, let problem):
            return "line \(line): [driver.\(driver)] command=: \(problem)"
        }
    }
}

extension StringProtocol {
    /// Trims spaces, tabs, CR and LF (Core's pattern " \t\r\n").
    var trimmingBlanks: String {
        let blanks: Set<Character> = [" ", "\t", "\r", "\n", "\r\n"]
        guard let start = firstIndex(where: { !blanks.contains($0) }),
              let end = lastIndex(where: { !blanks.contains($0) }) else { return "" }
        return String(self[start...end])
    }
}
