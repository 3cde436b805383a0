/// A parsed pattern, before compilation.
indirect enum PatternNode {
    case empty
    case scalar(PatternClass)
    case start
    case end
    case concat([PatternNode])
    case alternation([PatternNode])
    /// `maximum` nil: unbounded.
    case repeated(PatternNode, minimum: Int, maximum: Int?)
}

/// Recursive-descent parser for the ECMA-262 subset ``SchemaPattern`` supports.
struct PatternParser {
    private let scalars: [Unicode.Scalar]
    private var position = 0
    private var depth = 0

    /// Deepest group nesting accepted.
    static let maxDepth = 64
    /// Largest repetition count accepted in `{n,m}`.
    static let maxCount = 10_000

    init(_ scalars: [Unicode.Scalar]) { self.scalars = scalars }

    mutating func parse() throws(SchemaError) -> PatternNode {
        let node = try alternation()
        if position < scalars.count { throw error("unbalanced )") }
        return node
    }

    private func error(_ what: String) -> SchemaError {
        SchemaError("pattern \(String(String.UnicodeScalarView(scalars))): \(what) at offset \(position)")
    }

    private var peek: Unicode.Scalar? { position < scalars.count ? scalars[position] : nil }

    private mutating func take(_ expected: Unicode.Scalar) -> Bool {
        guard peek == expected else { return false }
        position += 1
        return true
    }

    private mutating func alternation() throws(SchemaError) -> PatternNode {
        var branches = [try sequence()]
        while take("|") { branches.append(try sequence()) }
        return branches.count == 1 ? branches[0] : .alternation(branches)
    }

    private mutating func sequence() throws(SchemaError) -> PatternNode {
        var nodes: [PatternNode] = []
        while let next = peek, next != "|", next != ")" {
            let atom = try atom()
            nodes.append(try quantified(atom))
        }
        return nodes.isEmpty ? .empty : nodes.count == 1 ? nodes[0] : .concat(nodes)
    }

    private mutating func quantified(_ atom: PatternNode) throws(SchemaError) -> PatternNode {
        var bounds: (Int, Int?)?
        switch peek {
        case "*": position += 1; bounds = (0, nil)
        case "+": position += 1; bounds = (1, nil)
        case "?": position += 1; bounds = (0, 1)
        case "{":
            let saved = position
            if let counted = try counts() { bounds = counted } else { position = saved }
        default: break
        }
        guard let (minimum, maximum) = bounds else { return atom }
        _ = take("?")  // lazy: the same strings match
        if let next = peek, "*+?".unicodeScalars.contains(next) { throw error("nothing to repeat") }
        if case .start = atom { throw error("nothing to repeat") }
        if case .end = atom { throw error("nothing to repeat") }
        return .repeated(atom, minimum: minimum, maximum: maximum)
    }

    /// `{n}`, `{n,}` or `{n,m}`; nil (position unchanged by the caller) when `{` starts no
    /// quantifier, which ECMA-262 (Annex B) reads as a literal.
    private mutating func counts() throws(SchemaError) -> (Int, Int?)? {
        guard take("{"), let minimum = number() else { return nil }
        var maximum: Int? = minimum
        if take(",") { maximum = number() }
        guard take("}") else { return nil }
        if let maximum, maximum < minimum { throw error("numbers out of order in {} quantifier") }
        return (minimum, maximum)
    }

    private mutating func number() -> Int? {
        var value = 0, digits = 0
        while let next = peek, let digit = Int(String(next)), next.isASCII {
            value = min(value * 10 + digit, Self.maxCount + 1)
            digits += 1
            position += 1
        }
        return digits == 0 ? nil : value
    }

    private mutating func atom() throws(SchemaError) -> PatternNode {
        guard let next = peek else { throw error("unexpected end") }
        position += 1
        switch next {
        case "^": return .start
        case "$": return .end
        case ".": return .scalar(.dot)
        case "*", "+", "?": throw error("nothing to repeat")
        case "[": return .scalar(try characterClass())
        case "\\": return try escapeAtom()
        case "(":
            if take("?") {
                if take(":") {
                    // non-capturing group
                } else if take("<"), let next = peek, next != "=", next != "!" {
                    while let name = peek, name != ">" { position += 1 }
                    guard take(">") else { throw error("unterminated group name") }
                } else {
                    throw error("lookaround is not supported")
                }
            }
            depth += 1
            guard depth <= Self.maxDepth else { throw error("groups nested deeper than \(Self.maxDepth)") }
            let inner = try alternation()
            depth -= 1
            guard take(")") else { throw error("missing )") }
            return inner
        case "{":
            position -= 1
            let saved = position
            if try counts() != nil { throw error("nothing to repeat") }
            position = saved + 1
            return .scalar(PatternClass(items: [.range(next.value, next.value)], negated: false))
        default:
            return .scalar(PatternClass(items: [.range(next.value, next.value)], negated: false))
        }
    }

    private mutating func escapeAtom() throws(SchemaError) -> PatternNode {
        switch try escape() {
        case .scalar(let value): return .scalar(PatternClass(items: [.range(value, value)], negated: false))
        case .item(let item): return .scalar(PatternClass(items: [item], negated: false))
        }
    }

    private enum Escaped {
        case scalar(UInt32)
        case item(PatternClass.Item)
    }

    /// After a backslash.
    private mutating func escape() throws(SchemaError) -> Escaped {
        guard let next = peek else { throw error("\\ at end of pattern") }
        position += 1
        switch next {
        case "d": return .item(.digit)
        case "D": return .item(.not(.digit))
        case "w": return .item(.word)
        case "W": return .item(.not(.word))
        case "s": return .item(.space)
        case "S": return .item(.not(.space))
        case "t": return .scalar(0x09)
        case "n": return .scalar(0x0A)
        case "v": return .scalar(0x0B)
        case "f": return .scalar(0x0C)
        case "r": return .scalar(0x0D)
        case "0": return .scalar(0)
        case "x": return .scalar(try hex(count: 2))
        case "u":
            if take("{") {
                var value: UInt32 = 0, digits = 0
                while let digit = peek.flatMap({ UInt32(String($0), radix: 16) }) {
                    value = value &* 16 &+ digit
                    digits += 1
                    position += 1
                    guard digits <= 6 else { throw error("\\u{} too long") }
                }
                guard digits > 0, take("}"), value <= 0x10FFFF else { throw error("bad \\u{}") }
                return .scalar(value)
            }
            return .scalar(try hex(count: 4))
        case "p", "P":
            guard take("{") else { throw error("\\p needs {name}") }
            var name = ""
            while let c = peek, c != "}" { name.unicodeScalars.append(c); position += 1 }
            guard take("}"), let categories = PatternClass.categories(named: name) else {
                throw error("unsupported property \\p{\(name)}")
            }
            return .item(next == "p" ? .categories(categories) : .not(.categories(categories)))
        case "b", "B": throw error("word boundaries are not supported")
        case "c", "k": throw error("\\\(next) is not supported")
        case "1"..."9": throw error("backreferences are not supported")
        default:
            if next.properties.isAlphabetic || next.properties.numericType != nil {
                throw error("unknown escape \\\(next)")
            }
            return .scalar(next.value)  // identity escape of punctuation
        }
    }

    private mutating func hex(count: Int) throws(SchemaError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<count {
            guard let digit = peek.flatMap({ UInt32(String($0), radix: 16) }) else { throw error("bad hex escape") }
            value = value * 16 + digit
            position += 1
        }
        return value
    }

    /// After `[`.
    private mutating func characterClass() throws(SchemaError) -> PatternClass {
        let negated = take("^")
        var items: [PatternClass.Item] = []
        while true {
            guard let next = peek else { throw error("missing ]") }
            if next == "]" { position += 1; break }
            let low = try classAtom()
            if peek == "-", position + 1 < scalars.count, scalars[position + 1] != "]" {
                position += 1
                let high = try classAtom()
                guard case .scalar(let a) = low, case .scalar(let b) = high else { throw error("class escape in a range") }
                guard a <= b else { throw error("range out of order") }
                items.append(.range(a, b))
            } else {
                switch low {
                case .scalar(let value): items.append(.range(value, value))
                case .item(let item): items.append(item)
                }
            }
        }
        return PatternClass(items: items, negated: negated)
    }

    private mutating func classAtom() throws(SchemaError) -> Escaped {
        guard let next = peek else { throw error("missing ]") }
        position += 1
        if next == "\\" {
            if take("b") { return .scalar(0x08) }  // backspace inside a class
            if take("-") { return .scalar(0x2D) }
            return try escape()
        }
        return .scalar(next.value)
    }
}
