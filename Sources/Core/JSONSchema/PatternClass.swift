/// A set of Unicode scalars a pattern position accepts: `[a-z_]`, `\d`, `\p{Letter}`, `.`.
struct PatternClass: Sendable, Hashable {
    enum Item: Sendable, Hashable {
        case range(UInt32, UInt32)
        /// `\d`: ASCII digits (ECMA-262).
        case digit
        /// `\w`: ASCII letters, digits and `_`.
        case word
        /// `\s`: ECMA-262 white space and line terminators.
        case space
        /// `\p{...}`: any of these general categories.
        case categories(Set<Unicode.GeneralCategory>)
        /// An item negated inside a class (`\D`, `\W`, `\S`, `\P{...}`).
        indirect case not(Item)
    }

    let items: [Item]
    /// `[^...]`.
    let negated: Bool
    /// Membership of the 128 ASCII scalars, precomputed: bit n of `low` (n < 64) or of `high`.
    let low: UInt64
    let high: UInt64

    init(items: [Item], negated: Bool) {
        self.items = items
        self.negated = negated
        var low: UInt64 = 0, high: UInt64 = 0
        for value in 0..<128 as Range<UInt32> {
            let scalar = Unicode.Scalar(UInt8(value))
            guard items.contains(where: { Self.matches($0, scalar) }) != negated else { continue }
            if value < 64 { low |= 1 << UInt64(value) } else { high |= 1 << UInt64(value - 64) }
        }
        self.low = low
        self.high = high
    }

    /// `.`: anything but a line terminator (ECMA-262 without the `s` flag).
    static let dot = PatternClass(items: [.range(0x0A, 0x0A), .range(0x0D, 0x0D), .range(0x2028, 0x2029)], negated: true)

    func contains(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 64 { return low >> UInt64(value) & 1 == 1 }
        if value < 128 { return high >> UInt64(value - 64) & 1 == 1 }
        return items.contains { Self.matches($0, scalar) } != negated
    }

    private static func matches(_ item: Item, _ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        switch item {
        case .range(let low, let high): return low <= value && value <= high
        case .digit: return (0x30...0x39).contains(value)
        case .word: return (0x30...0x39).contains(value) || (0x41...0x5A).contains(value) || (0x61...0x7A).contains(value) || value == 0x5F
        case .space:
            return [0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF].contains(value)
                || (0x2000...0x200A).contains(value)
        case .categories(let categories): return categories.contains(scalar.properties.generalCategory)
        case .not(let inner): return !matches(inner, scalar)
        }
    }

    /// The general categories of a `\p{...}` name: a one- or two-letter abbreviation or a long
    /// name (`L`, `Letter`, `Lu`, `Uppercase_Letter`, `Nd`, `Decimal_Number`, ...).
    /// - Returns: nil for a name this engine does not know (scripts and binary properties).
    static func categories(named name: String) -> Set<Unicode.GeneralCategory>? {
        let table: [(short: String, long: String, Unicode.GeneralCategory)] = [
            ("Lu", "Uppercase_Letter", .uppercaseLetter), ("Ll", "Lowercase_Letter", .lowercaseLetter),
            ("Lt", "Titlecase_Letter", .titlecaseLetter), ("Lm", "Modifier_Letter", .modifierLetter),
            ("Lo", "Other_Letter", .otherLetter), ("Mn", "Nonspacing_Mark", .nonspacingMark),
            ("Mc", "Spacing_Mark", .spacingMark), ("Me", "Enclosing_Mark", .enclosingMark),
            ("Nd", "Decimal_Number", .decimalNumber), ("Nl", "Letter_Number", .letterNumber),
            ("No", "Other_Number", .otherNumber), ("Pc", "Connector_Punctuation", .connectorPunctuation),
            ("Pd", "Dash_Punctuation", .dashPunctuation), ("Ps", "Open_Punctuation", .openPunctuation),
            ("Pe", "Close_Punctuation", .closePunctuation), ("Pi", "Initial_Punctuation", .initialPunctuation),
            ("Pf", "Final_Punctuation", .finalPunctuation), ("Po", "Other_Punctuation", .otherPunctuation),
            ("Sm", "Math_Symbol", .mathSymbol), ("Sc", "Currency_Symbol", .currencySymbol),
            ("Sk", "Modifier_Symbol", .modifierSymbol), ("So", "Other_Symbol", .otherSymbol),
            ("Zs", "Space_Separator", .spaceSeparator), ("Zl", "Line_Separator", .lineSeparator),
            ("Zp", "Paragraph_Separator", .paragraphSeparator), ("Cc", "Control", .control),
            ("Cf", "Format", .format), ("Cs", "Surrogate", .surrogate), ("Co", "Private_Use", .privateUse),
            ("Cn", "Unassigned", .unassigned),
        ]
        let groups: [String: (String, String)] = [
            "L": ("L", "Letter"), "M": ("M", "Mark"), "N": ("N", "Number"), "P": ("P", "Punctuation"),
            "S": ("S", "Symbol"), "Z": ("Z", "Separator"), "C": ("C", "Other"),
        ]
        var name = name
        if name.hasPrefix("General_Category=") { name = String(name.dropFirst("General_Category=".count)) }
        if name.hasPrefix("gc=") { name = String(name.dropFirst(3)) }
        if let exact = table.first(where: { $0.short == name || $0.long == name }) { return [exact.2] }
        if let group = groups.first(where: { $0.value.0 == name || $0.value.1 == name }) {
            return Set(table.filter { $0.short.hasPrefix(group.key) }.map(\.2))
        }
        return nil
    }
}
