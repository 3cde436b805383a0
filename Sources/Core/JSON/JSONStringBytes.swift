/// The inner loop of every JSON string read or written here: finding the next byte that ends a
/// plain run (`"`, `\`, and for reading or writing text also the control characters below 0x20).
/// Block hex (8 MB in a `submitblock` or `messagereceived`) is one long run, so this is eight
/// bytes per step: in a debug build the byte-by-byte loop cost 1 s to write such a string.
enum JSONStringBytes {
    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highs: UInt64 = 0x8080_8080_8080_8080

    /// The index of the first byte at or after `start` that is `"` or `\`, or below 0x20 when
    /// `controls`; `bytes.count` when there is none.
    ///
    /// Per eight bytes `w`: `(x - 0x01..01) & ~x & 0x80..80` is non-zero exactly when some byte of
    /// `x` is zero (applied to `w ^ 0x22..22` and `w ^ 0x5C..5C`), and `(w - 0x20..20) & ~w &
    /// 0x80..80` exactly when some byte is below 0x20 (the "has less than" test, for n <= 128).
    static func nextSpecial(_ bytes: UnsafeRawBufferPointer, from start: Int, controls: Bool) -> Int {
        let count = bytes.count
        var index = start
        let quotes = ones &* 0x22, backslashes = ones &* 0x5C, spaces = ones &* 0x20
        while index + 8 <= count {
            let word = bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            let q = word ^ quotes, b = word ^ backslashes
            var found = ((q &- ones) & ~q) | ((b &- ones) & ~b)
            if controls { found |= (word &- spaces) & ~word }
            if found & highs != 0 { break }
            index += 8
        }
        while index < count {
            let byte = bytes[index]
            if byte == 0x22 || byte == 0x5C || (controls && byte < 0x20) { return index }
            index += 1
        }
        return count
    }
}
