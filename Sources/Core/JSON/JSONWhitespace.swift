/// JSON's insignificant whitespace (RFC 8259, section 2: space, tab, line feed, carriage
/// return), skipped the same way by the parser and the scanner.
enum JSONWhitespace {
    /// The first index at or after `index` that is not whitespace (`bytes.count` at the end).
    static func skip(_ bytes: UnsafeRawBufferPointer, from index: Int) -> Int {
        var index = index
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return index
            }
        }
        return index
    }
}
