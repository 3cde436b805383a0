import BitcoinPrimitives

/// BOLT 1's BigSize: like Bitcoin's CompactSize but big endian, and only the shortest encoding
/// is valid (`0xfd` + u16 ≥ 0xfd, `0xfe` + u32 ≥ 2^16, `0xff` + u64 ≥ 2^32).
public enum BigSize {
    /// - Throws: ``LightningMessageError/nonMinimalBigSize`` or a truncation.
    static func read(_ reader: inout ByteReader, field: String) throws(LightningMessageError) -> UInt64 {
        let value: UInt64
        let minimum: UInt64
        do {
            let first = try reader.readUInt8()
            switch first {
            case 0..<0xfd: return UInt64(first)
            case 0xfd: value = UInt64(try reader.readBE(UInt16.self)); minimum = 0xfd
            case 0xfe: value = UInt64(try reader.readBE(UInt32.self)); minimum = 0x1_0000
            default: value = try reader.readBE(UInt64.self); minimum = 0x1_0000_0000
            }
        } catch {
            throw .from(error, field: field)
        }
        guard value >= minimum else { throw .nonMinimalBigSize }
        return value
    }

    /// Appends the shortest encoding of `value`.
    static func write(_ value: UInt64, to writer: inout ByteWriter) {
        switch value {
        case 0..<0xfd: writer.writeUInt8(UInt8(value))
        case 0xfd...0xffff: writer.writeUInt8(0xfd); writer.writeBE(UInt16(value))
        case 0x1_0000...0xffff_ffff: writer.writeUInt8(0xfe); writer.writeBE(UInt32(value))
        default: writer.writeUInt8(0xff); writer.writeBE(value)
        }
    }
}
