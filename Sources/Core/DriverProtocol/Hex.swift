/// Hex helpers of the protocol. DriverProtocol stands alone (third parties implement it from the
/// docs), so it carries its own small codec rather than depending on BitcoinPrimitives.
public enum Hex {
    /// Checks a hex string: even length, characters 0-9 a-f A-F.
    /// - Parameters:
    ///   - string: the text to check.
    ///   - field: the field name for the error message.
    /// - Throws: ``DriverProtocolError`` of kind `invalidParams`.
    public static func validate(_ string: String, field: String) throws(DriverProtocolError) {
        var copy = string
        let table = Self.table  // one lazy-global check, not one per character
        let firstBad: Int? = copy.withUTF8 { utf8 in
            for index in 0..<utf8.count where table[Int(utf8[index])] == 0xFF { return index }
            return nil
        }
        if let firstBad { throw DriverProtocolError(.invalidParams, "\(field) is not hex (character at \(firstBad))") }
        guard string.utf8.count % 2 == 0 else { throw DriverProtocolError(.invalidParams, "\(field) has an odd number of hex digits") }
    }

    /// Nibble values by ASCII code; 0xFF for characters that are not hex digits.
    private static let table: [UInt8] = (0..<256).map { code in nibble(UInt8(code)) ?? 0xFF }

    /// Decodes hex to bytes.
    /// - Throws: ``DriverProtocolError`` of kind `invalidParams`.
    public static func decode(_ string: String, field: String = "hex") throws(DriverProtocolError) -> [UInt8] {
        let utf8 = Array(string.utf8)
        guard utf8.count % 2 == 0 else { throw DriverProtocolError(.invalidParams, "\(field) has an odd number of hex digits") }
        var bytes = [UInt8]()
        bytes.reserveCapacity(utf8.count / 2)
        var index = 0
        while index < utf8.count {
            guard let high = nibble(utf8[index]), let low = nibble(utf8[index + 1]) else {
                throw DriverProtocolError(.invalidParams, "\(field) is not hex (character at \(index))")
            }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    /// Encodes bytes as lowercase hex.
    public static func encode<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: c - 0x30
        case 0x61...0x66: c - 0x61 + 10
        case 0x41...0x46: c - 0x41 + 10
        default: nil
        }
    }
}
