/// Appends Bitcoin wire encodings to a growing byte array.
public struct ByteWriter: Sendable {
    public private(set) var bytes: [UInt8]

    public init(capacity: Int = 0) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    public mutating func writeUInt8(_ v: UInt8) { bytes.append(v) }

    public mutating func writeLE<T: FixedWidthInteger>(_ v: T) {
        var x = v.littleEndian
        withUnsafeBytes(of: &x) { bytes.append(contentsOf: $0) }
    }

    public mutating func writeBE<T: FixedWidthInteger>(_ v: T) {
        var x = v.bigEndian
        withUnsafeBytes(of: &x) { bytes.append(contentsOf: $0) }
    }

    public mutating func writeBytes<C: Collection>(_ b: C) where C.Element == UInt8 {
        bytes.append(contentsOf: b)
    }

    /// Writes a CompactSize in its shortest form.
    public mutating func writeCompactSize(_ n: UInt64) {
        switch n {
        case 0..<0xfd: writeUInt8(UInt8(n))
        case 0xfd...0xffff: writeUInt8(0xfd); writeLE(UInt16(n))
        case 0x1_0000...0xffff_ffff: writeUInt8(0xfe); writeLE(UInt32(n))
        default: writeUInt8(0xff); writeLE(n)
        }
    }

    public mutating func writeCompactSize(_ n: Int) { writeCompactSize(UInt64(n)) }

    /// Writes a CompactSize length prefix and then the bytes.
    public mutating func writeVarBytes<C: Collection>(_ b: C) where C.Element == UInt8 {
        writeCompactSize(b.count)
        writeBytes(b)
    }
}
