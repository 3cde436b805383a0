/// Reads the envelope of a JSON-RPC line in one pass without building a tree: the top-level
/// members' byte ranges. `params` and `result` are skipped here (only their extent is found) and
/// decoded later into their typed form, so a 300 KB payload is parsed once, not twice.
struct RPCHeadScanner {
    /// Byte ranges of the members that matter, and whether each was present.
    struct Members {
        var jsonrpc: Range<Int>?
        var id: Range<Int>?
        var method: Range<Int>?
        var params: Range<Int>?
        var result: Range<Int>?
        var error: Range<Int>?
    }

    struct Malformed: Error {
        let reason: String
    }

    private let bytes: [UInt8]
    private var index = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// Scans the line.
    /// - Throws: ``Malformed`` when the line is not a single JSON object.
    mutating func members() throws(Malformed) -> Members {
        var members = Members()
        skipWhitespace()
        try expect(0x7B)  // {
        skipWhitespace()
        if peek() == 0x7D {  // }
            index += 1
        } else {
            while true {
                skipWhitespace()
                let key = try stringRange()
                skipWhitespace()
                try expect(0x3A)  // :
                skipWhitespace()
                let start = index
                try skipValue(depth: 0)
                let range = start..<index
                switch bytes[key] {
                case ArraySlice("jsonrpc".utf8): members.jsonrpc = range
                case ArraySlice("id".utf8): members.id = range
                case ArraySlice("method".utf8): members.method = range
                case ArraySlice("params".utf8): members.params = range
                case ArraySlice("result".utf8): members.result = range
                case ArraySlice("error".utf8): members.error = range
                default: break
                }
                skipWhitespace()
                guard let next = peek() else { throw Malformed(reason: "unterminated object") }
                index += 1
                if next == 0x7D { break }
                guard next == 0x2C else { throw Malformed(reason: "expected , or } at byte \(index - 1)") }
            }
        }
        skipWhitespace()
        guard index == bytes.count else { throw Malformed(reason: "trailing bytes after the object") }
        return members
    }

    private func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func expect(_ byte: UInt8) throws(Malformed) {
        guard peek() == byte else {
            throw Malformed(reason: "expected \(Character(Unicode.Scalar(byte))) at byte \(index)")
        }
        index += 1
    }

    private mutating func skipWhitespace() {
        while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x09 || bytes[index] == 0x0A || bytes[index] == 0x0D {
            index += 1
        }
    }

    /// The range of a string's contents (between the quotes), escapes left as they are.
    private mutating func stringRange() throws(Malformed) -> Range<Int> {
        try expect(0x22)
        let start = index
        let count = bytes.count
        var i = index
        let found: Int? = bytes.withUnsafeBufferPointer { buffer in
            while i < count {
                let byte = buffer[i]
                if byte == 0x22 { return i }
                if byte == 0x5C { i += 2 } else { i += 1 }
            }
            return nil
        }
        guard let end = found else { throw Malformed(reason: "unterminated string") }
        index = end + 1
        return start..<end
    }

    private mutating func skipValue(depth: Int) throws(Malformed) {
        guard depth < 64 else { throw Malformed(reason: "nested deeper than 64") }
        guard let first = peek() else { throw Malformed(reason: "missing value") }
        switch first {
        case 0x22:
            _ = try stringRange()
        case 0x7B, 0x5B:  // { [
            let close: UInt8 = first == 0x7B ? 0x7D : 0x5D
            index += 1
            skipWhitespace()
            if peek() == close {
                index += 1
                return
            }
            while true {
                skipWhitespace()
                if first == 0x7B {
                    _ = try stringRange()
                    skipWhitespace()
                    try expect(0x3A)
                    skipWhitespace()
                }
                try skipValue(depth: depth + 1)
                skipWhitespace()
                guard let next = peek() else { throw Malformed(reason: "unterminated container") }
                index += 1
                if next == close { return }
                guard next == 0x2C else { throw Malformed(reason: "expected , at byte \(index - 1)") }
            }
        default:
            // Number or literal: up to the next delimiter.
            let start = index
            while let byte = peek(), byte != 0x2C, byte != 0x7D, byte != 0x5D, byte != 0x20, byte != 0x0A, byte != 0x0D, byte != 0x09 {
                index += 1
            }
            let token = bytes[start..<index]
            let literal = token.elementsEqual("true".utf8) || token.elementsEqual("false".utf8) || token.elementsEqual("null".utf8)
            let number = !token.isEmpty && token.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D || $0 == 0x2B || $0 == 0x2E || $0 == 0x65 || $0 == 0x45 }
            guard literal || number else { throw Malformed(reason: "invalid value at byte \(start)") }
        }
    }
}
