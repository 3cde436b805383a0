import BitcoinPrimitives

/// Hex in the driver protocol's params: BitcoinPrimitives' one codec, with errors that name the
/// field and reach the peer as `invalidParams`.
extension Hex {
    /// Whether each ASCII code is a hex digit (0-9, a-f, A-F).
    private static let digitTable: [Bool] = (0..<256).map { code in
        (0x30...0x39).contains(code) || (0x41...0x46).contains(code) || (0x61...0x66).contains(code)
    }

    /// Checks a hex string without decoding it: even length, characters 0-9 a-f A-F.
    /// - Parameters:
    ///   - string: the text to check.
    ///   - field: the field name for the error message.
    /// - Throws: ``DriverProtocolError`` of kind `invalidParams`.
    public static func validate(_ string: String, field: String) throws(DriverProtocolError) {
        var copy = string
        let table = Self.digitTable  // one lazy-global check, not one per character
        let firstBad: Int? = copy.withUTF8 { utf8 in
            for index in 0..<utf8.count where !table[Int(utf8[index])] { return index }
            return nil
        }
        if let firstBad { throw DriverProtocolError(.invalidParams, "\(field) is not hex (character at \(firstBad))") }
        guard string.utf8.count % 2 == 0 else { throw DriverProtocolError(.invalidParams, "\(field) has an odd number of hex digits") }
    }

    /// Decodes a hex field of a request.
    /// - Parameters:
    ///   - string: the hex.
    ///   - field: the field name for the error message.
    /// - Returns: the bytes.
    /// - Throws: ``DriverProtocolError`` of kind `invalidParams`.
    public static func decode(_ string: String, field: String) throws(DriverProtocolError) -> [UInt8] {
        do throws(DecodingError) {
            return try decode(string)
        } catch {
            switch error {
            case .oddLength: throw DriverProtocolError(.invalidParams, "\(field) has an odd number of hex digits")
            case .invalidCharacter(let offset): throw DriverProtocolError(.invalidParams, "\(field) is not hex (character at \(offset))")
            }
        }
    }
}
