import JSON

/// Finds the top-level members of JSON-RPC objects (and of the objects in a batch array) in one
/// pass, as byte ranges, without building a tree: the driver protocol's envelope (`jsonrpc`, `id`,
/// `method`, then `params` or `result` decoded later into their typed form) and the RPC proxy's
/// method names, `getblock` parameters and reply errors, not the 2 MB hex of a block. The one
/// scanner of both hot paths; ``JSONValue/parse(_:limits:)`` is for building a value.
///
/// Strings are skipped by their quotes and escapes, containers by depth (at most `maxDepth`),
/// scalars checked to be a literal or made of number characters. Only the shape is checked: the
/// members found are decoded (or forwarded to bitcoind) by whoever reads them.
public struct JSONScanner {
    /// The members of one object that a JSON-RPC reader looks at; the first occurrence of a key
    /// wins, as in bitcoind's UniValue `find_value`. Ranges are of the value, quotes included.
    public struct Members: Sendable, Equatable {
        /// The object itself, braces included.
        public var range: Range<Int>
        public var jsonrpc: Range<Int>?
        public var id: Range<Int>?
        public var method: Range<Int>?
        public var params: Range<Int>?
        public var result: Range<Int>?
        public var error: Range<Int>?
        /// A key seen twice among those above, or any key with an escape in it: where this
        /// scanner and another parser could read different members (the RPC proxy refuses such
        /// requests for users with an allowlist).
        public var ambiguousKey = false
    }

    /// A body's top level.
    public enum Shape: Sendable, Equatable {
        case object(Members)
        /// Each element, nil when it is not an object.
        case array([Members?])
    }

    public struct Malformed: Error, Sendable, Equatable {
        /// Where reading stopped.
        public let offset: Int
    }

    /// The RPC proxy's depth limit (bitcoind reads the body for real after it).
    public static let maxDepth = 512

    private let bytes: UnsafeRawBufferPointer
    private let depthLimit: Int
    private var index = 0

    private init(_ bytes: UnsafeRawBufferPointer, maxDepth: Int) {
        self.bytes = bytes
        self.depthLimit = maxDepth
    }

    /// Scans a whole body that is one object or one array of requests.
    /// - Parameters:
    ///   - bytes: the body.
    ///   - maxDepth: the deepest nesting accepted (the top level is 1).
    /// - Returns: its shape.
    /// - Throws: ``Malformed`` when the top level is not one object or one array, or is cut.
    public static func shape(of bytes: UnsafeRawBufferPointer, maxDepth: Int = JSONScanner.maxDepth) throws(Malformed) -> Shape {
        var scanner = JSONScanner(bytes, maxDepth: maxDepth)
        scanner.skipWhitespace()
        let shape: Shape
        switch scanner.peek() {
        case UInt8(ascii: "{"): shape = .object(try scanner.object())
        case UInt8(ascii: "["): shape = .array(try scanner.array())
        default: throw Malformed(offset: scanner.index)
        }
        try scanner.end()
        return shape
    }

    /// Scans a text that must be exactly one object (a driver-protocol line).
    /// - Throws: ``Malformed`` otherwise.
    public static func object(of bytes: UnsafeRawBufferPointer, maxDepth: Int = JSONScanner.maxDepth) throws(Malformed) -> Members {
        var scanner = JSONScanner(bytes, maxDepth: maxDepth)
        scanner.skipWhitespace()
        let members = try scanner.object()
        try scanner.end()
        return members
    }

    private mutating func end() throws(Malformed) {
        skipWhitespace()
        guard index == bytes.count else { throw Malformed(offset: index) }
    }

    private func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func skipWhitespace() { index = JSONWhitespace.skip(bytes, from: index) }

    private mutating func expect(_ byte: UInt8) throws(Malformed) {
        guard peek() == byte else { throw Malformed(offset: index) }
        index += 1
    }

    private mutating func array() throws(Malformed) -> [Members?] {
        try expect(UInt8(ascii: "["))
        var elements: [Members?] = []
        skipWhitespace()
        if peek() == UInt8(ascii: "]") {
            index += 1
            return elements
        }
        while true {
            skipWhitespace()
            if peek() == UInt8(ascii: "{") {
                elements.append(try object())
            } else {
                try skipValue(depth: 2)
                elements.append(nil)
            }
            skipWhitespace()
            guard let next = peek() else { throw Malformed(offset: index) }
            index += 1
            if next == UInt8(ascii: "]") { return elements }
            guard next == UInt8(ascii: ",") else { throw Malformed(offset: index - 1) }
        }
    }

    private mutating func object() throws(Malformed) -> Members {
        let start = index
        try expect(UInt8(ascii: "{"))
        var members = Members(range: start..<start)
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            index += 1
            members.range = start..<index
            return members
        }
        while true {
            skipWhitespace()
            let keyStart = index
            try skipString()
            let key = (keyStart + 1)..<(index - 1)
            if bytes[key].contains(UInt8(ascii: "\\")) { members.ambiguousKey = true }
            skipWhitespace()
            try expect(UInt8(ascii: ":"))
            skipWhitespace()
            let valueStart = index
            try skipValue(depth: 2)
            let value = valueStart..<index
            func set(_ slot: inout Range<Int>?, _ duplicate: inout Bool) {
                if slot == nil { slot = value } else { duplicate = true }
            }
            if isKey(key, "method") {
                set(&members.method, &members.ambiguousKey)
            } else if isKey(key, "params") {
                set(&members.params, &members.ambiguousKey)
            } else if isKey(key, "id") {
                set(&members.id, &members.ambiguousKey)
            } else if isKey(key, "jsonrpc") {
                set(&members.jsonrpc, &members.ambiguousKey)
            } else if isKey(key, "result") {
                set(&members.result, &members.ambiguousKey)
            } else if isKey(key, "error") {
                set(&members.error, &members.ambiguousKey)
            }
            skipWhitespace()
            guard let next = peek() else { throw Malformed(offset: index) }
            index += 1
            if next == UInt8(ascii: "}") { break }
            guard next == UInt8(ascii: ",") else { throw Malformed(offset: index - 1) }
        }
        members.range = start..<index
        return members
    }

    private func isKey(_ range: Range<Int>, _ name: StaticString) -> Bool {
        guard range.count == name.utf8CodeUnitCount else { return false }
        let p = name.utf8Start
        for i in 0..<range.count where bytes[range.lowerBound + i] != p[i] { return false }
        return true
    }

    private mutating func skipString() throws(Malformed) {
        try expect(UInt8(ascii: "\""))
        while true {
            index = JSONStringBytes.nextSpecial(bytes, from: index, controls: false)
            guard index < bytes.count else { throw Malformed(offset: index) }
            if bytes[index] == UInt8(ascii: "\"") {
                index += 1
                return
            }
            index += 2  // a backslash and the byte it escapes
            guard index <= bytes.count else { throw Malformed(offset: bytes.count) }
        }
    }

    private mutating func skipValue(depth: Int) throws(Malformed) {
        guard depth <= depthLimit, let first = peek() else { throw Malformed(offset: index) }
        switch first {
        case UInt8(ascii: "\""):
            try skipString()
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            let close = first == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
            index += 1
            skipWhitespace()
            if peek() == close {
                index += 1
                return
            }
            while true {
                skipWhitespace()
                if first == UInt8(ascii: "{") {
                    try skipString()
                    skipWhitespace()
                    try expect(UInt8(ascii: ":"))
                    skipWhitespace()
                }
                try skipValue(depth: depth + 1)
                skipWhitespace()
                guard let next = peek() else { throw Malformed(offset: index) }
                index += 1
                if next == close { return }
                guard next == UInt8(ascii: ",") else { throw Malformed(offset: index - 1) }
            }
        default:
            try skipScalar()
        }
    }

    /// A number or literal: up to the next delimiter, made of number characters or spelling
    /// `true`, `false` or `null`.
    private mutating func skipScalar() throws(Malformed) {
        let start = index
        var numeric = true
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 0x20, 0x09, 0x0A, 0x0D:
                return try checkScalar(start, numeric: numeric)
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."),
                UInt8(ascii: "e"), UInt8(ascii: "E"):
                index += 1
            default:
                numeric = false
                index += 1
            }
        }
        try checkScalar(start, numeric: numeric)
    }

    private func checkScalar(_ start: Int, numeric: Bool) throws(Malformed) {
        let range = start..<index
        guard !range.isEmpty else { throw Malformed(offset: index) }
        if numeric || isKey(range, "true") || isKey(range, "false") || isKey(range, "null") { return }
        throw Malformed(offset: start)
    }
}
