/// Finds the top-level members of JSON-RPC objects (and of the objects in a batch array) in
/// one pass, as byte ranges, without building a tree: a proxy needs the method names, the
/// `getblock` parameters and reply errors, not the 2 MB hex of a block.
///
/// Strings are skipped by their quotes and escapes, containers by depth (at most
/// ``maxDepth``); scalars are taken up to the next delimiter. Only the shape is checked:
/// bitcoind parses the body for real.
package struct JSONScanner {
    /// The members of one object that a proxy looks at; the first occurrence of a key wins,
    /// as in bitcoind's UniValue `find_value`. Ranges are of the value, quotes included.
    package struct Members: Sendable, Equatable {
        package var range: Range<Int>
        package var method: Range<Int>?
        package var params: Range<Int>?
        package var id: Range<Int>?
        package var error: Range<Int>?
        /// A key seen twice among method/params/id/error, or any key with an escape in it:
        /// where this scanner and bitcoind's parser could read different methods, so such
        /// requests are refused for users with an allowlist.
        package var ambiguousKey = false
    }

    /// A body's top level.
    package enum Shape: Sendable, Equatable {
        case object(Members)
        /// Each element, nil when it is not an object.
        case array([Members?])
    }

    package struct Malformed: Error, Sendable, Equatable {
        package let offset: Int
    }

    package static let maxDepth = 512

    private let bytes: UnsafeRawBufferPointer
    private var index = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    /// Scans a whole body.
    /// - Parameter bytes: the body.
    /// - Returns: its shape.
    /// - Throws: ``Malformed`` when the top level is not one object or one array, or is cut.
    package static func shape(of bytes: UnsafeRawBufferPointer) throws(Malformed) -> Shape {
        var scanner = JSONScanner(bytes)
        scanner.skipWhitespace()
        let shape: Shape
        switch scanner.peek() {
        case UInt8(ascii: "{"):
            shape = .object(try scanner.object())
        case UInt8(ascii: "["):
            shape = .array(try scanner.array())
        default:
            throw Malformed(offset: scanner.index)
        }
        scanner.skipWhitespace()
        guard scanner.index == bytes.count else { throw Malformed(offset: scanner.index) }
        return shape
    }

    private func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

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
                try skipValue(depth: 1)
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
            try skipValue(depth: 1)
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
        while index < bytes.count {
            let b = bytes[index]
            if b == UInt8(ascii: "\\") {
                index += 2
            } else {
                index += 1
                if b == UInt8(ascii: "\"") { return }
            }
        }
        throw Malformed(offset: index)
    }

    private mutating func skipValue(depth: Int) throws(Malformed) {
        guard depth <= Self.maxDepth, let first = peek() else { throw Malformed(offset: index) }
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
            let start = index
            while index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 0x20, 0x09, 0x0A, 0x0D:
                    guard index > start else { throw Malformed(offset: index) }
                    return
                default:
                    index += 1
                }
            }
            guard index > start else { throw Malformed(offset: index) }
        }
    }
}
