/// The `init` feature bit that advertises altnet support (docs/lightning-messages.md).
///
/// BOLT 9 numbers feature bits from the least significant bit of the big-endian `features` field;
/// odd bits are optional, so a peer that does not know the bit still connects. bLIP 2 leaves bits
/// 0...255 to the BOLTs; 420/421 is above that range and not reserved by any bLIP we know of.
public enum AltnetFeature {
    /// The optional bit altnet nodes set in `init`.
    public static let optionalBit = 421
    /// The compulsory twin. altnet never sets it, but a peer that sets it is understood.
    public static let compulsoryBit = 420

    /// Whether the peer's `init` features advertise altnet (either bit of the pair).
    /// - Parameter features: the `features` field of the peer's `init`, big-endian.
    /// - Returns: true when bit 420 or 421 is set.
    public static func isAdvertised(in features: [UInt8]) -> Bool {
        isSet(optionalBit, in: features) || isSet(compulsoryBit, in: features)
    }

    /// Whether one feature bit is set.
    /// - Parameters:
    ///   - bit: the BOLT 9 bit number (0 is the least significant bit of the last byte).
    ///   - features: a big-endian feature field.
    /// - Returns: true when the bit is set; false when the field is too short to hold it.
    public static func isSet(_ bit: Int, in features: [UInt8]) -> Bool {
        guard bit >= 0 else { return false }
        let fromEnd = bit / 8
        guard fromEnd < features.count else { return false }
        return features[features.count - 1 - fromEnd] & (1 << UInt8(bit % 8)) != 0
    }

    /// A feature field with one more bit set, grown at the front as needed.
    /// - Parameters:
    ///   - bit: the BOLT 9 bit number to set.
    ///   - features: the existing big-endian field.
    /// - Returns: the field with `bit` set (a field holding bit 421 is at least 53 bytes).
    public static func setting(_ bit: Int, in features: [UInt8]) -> [UInt8] {
        guard bit >= 0 else { return features }
        let needed = bit / 8 + 1
        var out = features
        if out.count < needed {
            out.insert(contentsOf: repeatElement(0, count: needed - out.count), at: 0)
        }
        out[out.count - 1 - bit / 8] |= 1 << UInt8(bit % 8)
        return out
    }
}
