/// Hexadecimal conversion for byte sequences.
///
/// Hex here is always the plain byte order of the bytes given: no reversal. Types whose
/// conventional display order differs from their wire order (``BlockHash``, txids) provide their
/// own display-order accessors, so the two orders cannot be confused by accident.
public enum Hex {
    /// Errors decoding a hex string.
    public enum DecodingError: Error, Equatable, Sendable, CustomStringConvertible {
        /// The string has an odd number of digits.
        case oddLength(Int)
        /// A character that is not a hex digit, at this offset.
        case invalidCharacter(offset: Int)

        public var description: String {
            switch self {
            case .oddLength(let n): return "hex string has an odd number of digits (\(n))"
            case .invalidCharacter(let o): return "hex string has a non-hex character at offset \(o)"
            }
        }
    }

    private static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Encodes bytes as lowercase hex.
    public static func encode<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes a hex string (upper or lower case).
    /// - Throws: ``DecodingError`` on odd length or a non-hex character.
    public static func decode(_ string: some StringProtocol) throws(DecodingError) -> [UInt8] {
        let utf8 = Array(string.utf8)
        guard utf8.count % 2 == 0 else { throw .oddLength(utf8.count) }
        var out = [UInt8]()
        out.reserveCapacity(utf8.count / 2)
        var i = 0
        while i < utf8.count {
            guard let hi = nibble(utf8[i]) else { throw .invalidCharacter(offset: i) }
            guard let lo = nibble(utf8[i + 1]) else { throw .invalidCharacter(offset: i + 1) }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    @inline(__always)
    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

extension Array where Element == UInt8 {
    /// Decodes hex into bytes. - Throws: ``Hex/DecodingError``.
    public init(hex: some StringProtocol) throws(Hex.DecodingError) { self = try Hex.decode(hex) }
    /// Lowercase hex of these bytes, in the order they are stored.
    public var hex: String { Hex.encode(self) }
}
