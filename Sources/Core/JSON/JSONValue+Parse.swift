import Foundation

extension JSONValue {
    /// Reads one JSON text (RFC 8259: any value at the top, whitespace around it).
    ///
    /// Strict: no trailing commas, no leading zeros, no control characters or invalid UTF-8 in
    /// strings, surrogate escapes only in pairs, no numbers that overflow a `Double`. An integer
    /// that fits `Int64` is `.int`, any other number `.double`. A repeated key keeps its first
    /// value. Bounded: longer text than `limits.maxBytes` is refused before reading, deeper
    /// nesting than `limits.maxDepth` as soon as it opens.
    /// - Parameters:
    ///   - bytes: the text, UTF-8.
    ///   - limits: the size and depth accepted.
    /// - Returns: the value.
    /// - Throws: ``JSONParseError``.
    public static func parse(_ bytes: UnsafeRawBufferPointer, limits: JSONLimits = .standard) throws(JSONParseError) -> JSONValue {
        guard bytes.count <= limits.maxBytes else {
            throw JSONParseError(.tooLarge, at: 0, "text of \(bytes.count) bytes is over the limit of \(limits.maxBytes)")
        }
        var parser = JSONParser(bytes: bytes, maxDepth: limits.maxDepth)
        return try parser.document()
    }

    /// Reads one JSON text from an array (see ``parse(_:limits:)-(UnsafeRawBufferPointer,_)``).
    public static func parse(_ bytes: [UInt8], limits: JSONLimits = .standard) throws(JSONParseError) -> JSONValue {
        try bytes.withUnsafeBytes { raw in Result { () throws(JSONParseError) in try parse(raw, limits: limits) } }.get()
    }

    /// Reads one JSON text from `Data`.
    public static func parse(_ data: Data, limits: JSONLimits = .standard) throws(JSONParseError) -> JSONValue {
        try data.withUnsafeBytes { raw in Result { () throws(JSONParseError) in try parse(raw, limits: limits) } }.get()
    }

    /// Reads one JSON text from a string.
    public static func parse(_ text: String, limits: JSONLimits = .standard) throws(JSONParseError) -> JSONValue {
        try parse(Array(text.utf8), limits: limits)
    }
}

/// The recursive-descent reader behind ``JSONValue/parse(_:limits:)``.
struct JSONParser {
    let bytes: UnsafeRawBufferPointer
    let maxDepth: Int
    var index = 0

    init(bytes: UnsafeRawBufferPointer, maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    mutating func document() throws(JSONParseError) -> JSONValue {
        skipWhitespace()
        let value = try value(depth: 0)
        skipWhitespace()
        guard index == bytes.count else { throw malformed("trailing bytes after the value") }
        return value
    }

    private func malformed(_ reason: String) -> JSONParseError { JSONParseError(.malformed, at: index, reason) }

    private func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func skipWhitespace() { index = JSONWhitespace.skip(bytes, from: index) }

    private mutating func expect(_ byte: UInt8, _ what: String) throws(JSONParseError) {
        guard peek() == byte else { throw malformed("expected \(what)") }
        index += 1
    }

    private mutating func value(depth: Int) throws(JSONParseError) -> JSONValue {
        guard let first = peek() else { throw malformed("missing value") }
        switch first {
        case UInt8(ascii: "{"): return try object(depth: depth + 1)
        case UInt8(ascii: "["): return try array(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        default: throw malformed("invalid value")
        }
    }

    private mutating func literal(_ word: StaticString) throws(JSONParseError) {
        let count = word.utf8CodeUnitCount
        guard bytes.count - index >= count else { throw malformed("invalid literal") }
        for i in 0..<count where bytes[index + i] != word.utf8Start[i] { throw malformed("invalid literal") }
        index += count
    }

    private mutating func array(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth <= maxDepth else { throw JSONParseError(.tooDeep, at: index, "nested deeper than \(maxDepth)") }
        index += 1
        var items: [JSONValue] = []
        skipWhitespace()
        if peek() == UInt8(ascii: "]") {
            index += 1
            return .array(items)
        }
        while true {
            skipWhitespace()
            items.append(try value(depth: depth))
            skipWhitespace()
            guard let next = peek() else { throw malformed("unterminated array") }
            index += 1
            if next == UInt8(ascii: "]") { return .array(items) }
            guard next == UInt8(ascii: ",") else { index -= 1; throw malformed("expected , or ]") }
        }
    }

    private mutating func object(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth <= maxDepth else { throw JSONParseError(.tooDeep, at: index, "nested deeper than \(maxDepth)") }
        index += 1
        var members = JSONObject()
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            index += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard peek() == UInt8(ascii: "\"") else { throw malformed("expected a member name") }
            let key = try string()
            skipWhitespace()
            try expect(UInt8(ascii: ":"), ":")
            skipWhitespace()
            let member = try value(depth: depth)
            if members[key] == nil { members[key] = member }
            skipWhitespace()
            guard let next = peek() else { throw malformed("unterminated object") }
            index += 1
            if next == UInt8(ascii: "}") { return .object(members) }
            guard next == UInt8(ascii: ",") else { index -= 1; throw malformed("expected , or }") }
        }
    }

    /// A string token (at its opening quote) decoded.
    private mutating func string() throws(JSONParseError) -> String {
        index += 1
        let start = index
        var decoded: [UInt8] = []
        var escaped = false
        while true {
            let special = JSONStringBytes.nextSpecial(bytes, from: index, controls: true)
            if escaped { decoded.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[index..<special])) }
            index = special
            guard index < bytes.count else { throw malformed("unterminated string") }
            switch bytes[index] {
            case UInt8(ascii: "\""):
                let text = escaped
                    ? String(validating: decoded, as: UTF8.self)
                    : String(validating: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
                guard let text else { throw JSONParseError(.malformed, at: start, "invalid UTF-8 in a string") }
                index += 1
                return text
            case UInt8(ascii: "\\"):
                if !escaped {
                    decoded.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[start..<index]))
                    escaped = true
                }
                index += 1
                try escape(into: &decoded)
            default:
                throw malformed("control character in a string")
            }
        }
    }

    /// One escape after its backslash, appended as UTF-8.
    private mutating func escape(into out: inout [UInt8]) throws(JSONParseError) {
        guard let code = peek() else { throw malformed("unterminated string") }
        index += 1
        switch code {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(code)
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try hex4()
            if (0xD800..<0xDC00).contains(scalar) {
                guard bytes.count - index >= 6, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                    throw malformed("unpaired surrogate escape")
                }
                index += 2
                let low = try hex4()
                guard (0xDC00..<0xE000).contains(low) else { throw malformed("unpaired surrogate escape") }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00..<0xE000).contains(scalar) {
                throw malformed("unpaired surrogate escape")
            }
            guard let unicode = Unicode.Scalar(scalar) else { throw malformed("invalid escape") }
            out.append(contentsOf: Array(String(Character(unicode)).utf8))
        default:
            index -= 1
            throw malformed("invalid escape")
        }
    }

    private mutating func hex4() throws(JSONParseError) -> UInt32 {
        guard bytes.count - index >= 4 else { throw malformed("short \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw malformed("invalid \\u escape")
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }

    /// A number token: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    private mutating func number() throws(JSONParseError) -> JSONValue {
        let start = index
        if peek() == UInt8(ascii: "-") { index += 1 }
        guard let lead = peek(), isDigit(lead) else { throw malformed("invalid number") }
        index += 1
        if lead == UInt8(ascii: "0") {
            if let next = peek(), isDigit(next) { throw malformed("leading zero in a number") }
        } else {
            skipDigits()
        }
        var integral = true
        if peek() == UInt8(ascii: ".") {
            integral = false
            index += 1
            guard let digit = peek(), isDigit(digit) else { throw malformed("invalid number") }
            skipDigits()
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            integral = false
            index += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { index += 1 }
            guard let digit = peek(), isDigit(digit) else { throw malformed("invalid number") }
            skipDigits()
        }
        let token = String(decoding: bytes[start..<index], as: UTF8.self)
        if integral, let value = Int64(token) { return .int(value) }
        guard let value = Double(token), value.isFinite else {
            throw JSONParseError(.malformed, at: start, "number out of range")
        }
        return .double(value)
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private mutating func skipDigits() {
        while let byte = peek(), isDigit(byte) { index += 1 }
    }
}
