/// Why a byte decoder stopped. Every decoder of peer input in altnet throws this (or wraps it),
/// never traps.
public struct DecodingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What went wrong.
    public enum Kind: Equatable, Sendable {
        /// The input ended before the value did.
        case truncated(needed: Int, available: Int)
        /// A CompactSize was not in its shortest form.
        case nonCanonicalCompactSize
        /// A declared count or length is larger than the decoder allows.
        case tooLarge(field: String, value: UInt64, limit: UInt64)
        /// Input was left over after a value that must consume it all.
        case trailingBytes(Int)
        /// A field has a value the format does not allow.
        case invalid(String)
    }

    public let kind: Kind
    /// Byte offset into the input where the problem was found.
    public let offset: Int

    public init(_ kind: Kind, at offset: Int) {
        self.kind = kind
        self.offset = offset
    }

    public var description: String {
        switch kind {
        case .truncated(let needed, let available):
            return "input truncated at offset \(offset): needed \(needed) bytes, \(available) left"
        case .nonCanonicalCompactSize:
            return "non-canonical CompactSize at offset \(offset)"
        case .tooLarge(let field, let value, let limit):
            return "\(field) of \(value) at offset \(offset) exceeds the limit of \(limit)"
        case .trailingBytes(let n):
            return "\(n) unexpected trailing bytes at offset \(offset)"
        case .invalid(let what):
            return "invalid input at offset \(offset): \(what)"
        }
    }
}

/// A bounds-checked cursor over bytes. Every read checks the remaining length first and throws
/// ``DecodingError`` instead of trapping, so it is safe on hostile input.
public struct ByteReader: Sendable {
    public let bytes: ArraySlice<UInt8>
    /// Absolute index of the next byte to read (into `bytes`' indices).
    public private(set) var index: Int

    public init(_ bytes: [UInt8]) { self.init(bytes[...]) }
    public init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        self.index = bytes.startIndex
    }

    /// Bytes consumed so far.
    public var offset: Int { index - bytes.startIndex }
    /// Bytes left to read.
    public var remaining: Int { bytes.endIndex - index }
    public var isAtEnd: Bool { index == bytes.endIndex }

    @inline(__always)
    private func need(_ n: Int) throws(DecodingError) {
        guard n >= 0, remaining >= n else {
            throw DecodingError(.truncated(needed: n, available: remaining), at: offset)
        }
    }

    public mutating func readUInt8() throws(DecodingError) -> UInt8 {
        try need(1)
        defer { index += 1 }
        return bytes[index]
    }

    /// Reads a little-endian fixed-width integer.
    public mutating func readLE<T: FixedWidthInteger & UnsignedInteger>(_: T.Type = T.self) throws(DecodingError) -> T {
        let size = MemoryLayout<T>.size
        try need(size)
        var v: T = 0
        for i in 0..<size { v |= T(bytes[index + i]) << (8 * i) }
        index += size
        return v
    }

    /// Reads a big-endian fixed-width integer.
    public mutating func readBE<T: FixedWidthInteger & UnsignedInteger>(_: T.Type = T.self) throws(DecodingError) -> T {
        let size = MemoryLayout<T>.size
        try need(size)
        var v: T = 0
        for i in 0..<size { v = (v << 8) | T(bytes[index + i]) }
        index += size
        return v
    }

    public mutating func readInt32LE() throws(DecodingError) -> Int32 { Int32(bitPattern: try readLE(UInt32.self)) }
    public mutating func readInt64LE() throws(DecodingError) -> Int64 { Int64(bitPattern: try readLE(UInt64.self)) }

    /// Reads `count` bytes as a slice of the input (no copy).
    public mutating func readBytes(_ count: Int) throws(DecodingError) -> ArraySlice<UInt8> {
        try need(count)
        defer { index += count }
        return bytes[index..<index + count]
    }

    /// Reads exactly N bytes into an array.
    public mutating func readArray(_ count: Int) throws(DecodingError) -> [UInt8] { Array(try readBytes(count)) }

    /// Reads a Bitcoin CompactSize, rejecting non-shortest encodings as Bitcoin Core does.
    public mutating func readCompactSize() throws(DecodingError) -> UInt64 {
        let start = offset
        let first = try readUInt8()
        let value: UInt64
        let minimum: UInt64
        switch first {
        case 0..<0xfd: return UInt64(first)
        case 0xfd: value = UInt64(try readLE(UInt16.self)); minimum = 0xfd
        case 0xfe: value = UInt64(try readLE(UInt32.self)); minimum = 0x1_0000
        default: value = try readLE(UInt64.self); minimum = 0x1_0000_0000
        }
        guard value >= minimum else { throw DecodingError(.nonCanonicalCompactSize, at: start) }
        return value
    }

    /// Reads a CompactSize count and checks it against `limit` *before* anything is allocated,
    /// and against the bytes actually left (`minElementSize` bytes per element at least).
    /// - Throws: ``DecodingError/Kind/tooLarge(field:value:limit:)`` for an oversized count.
    public mutating func readCount(_ field: String, limit: Int, minElementSize: Int = 1) throws(DecodingError) -> Int {
        let start = offset
        let n = try readCompactSize()
        guard n <= UInt64(limit) else {
            throw DecodingError(.tooLarge(field: field, value: n, limit: UInt64(limit)), at: start)
        }
        let count = Int(n)
        if minElementSize > 0, count > remaining / minElementSize {
            throw DecodingError(.truncated(needed: count * minElementSize, available: remaining), at: offset)
        }
        return count
    }

    /// Reads a CompactSize length prefix then that many bytes.
    public mutating func readVarBytes(_ field: String, limit: Int) throws(DecodingError) -> ArraySlice<UInt8> {
        let n = try readCount(field, limit: limit)
        return try readBytes(n)
    }

    /// Throws unless all input was consumed.
    public func expectEnd() throws(DecodingError) {
        guard isAtEnd else { throw DecodingError(.trailingBytes(remaining), at: offset) }
    }
}
