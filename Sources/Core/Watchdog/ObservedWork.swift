import BitcoinPrimitives

/// Cumulative chain work as bitcoind reports it (`chainwork`: 64 hex digits, big endian), kept
/// as 32 big-endian bytes so that comparing bytes compares values.
public struct ObservedWork: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// 32 bytes, most significant first.
    public let bigEndian: [UInt8]

    /// From bitcoind's `chainwork` hex (up to 64 digits, leading zeros optional).
    /// - Throws: ``Hex/DecodingError`` or ``DecodingError`` for bad hex or more than 32 bytes.
    public init(hex: String) throws {
        let digits = hex.count % 2 == 1 ? "0" + hex : hex
        let bytes = try Hex.decode(digits)
        guard bytes.count <= 32 else {
            throw DecodingError(.tooLarge(field: "chainwork bytes", value: UInt64(bytes.count), limit: 32), at: 0)
        }
        bigEndian = [UInt8](repeating: 0, count: 32 - bytes.count) + bytes
    }

    /// A small value (tests, regtest).
    public init(_ value: UInt64) {
        bigEndian = [UInt8](repeating: 0, count: 24) + (0..<8).reversed().map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
    }

    public static func < (a: Self, b: Self) -> Bool { a.bigEndian.lexicographicallyPrecedes(b.bigEndian) }

    /// 64 hex digits, as bitcoind prints it.
    public var description: String { Hex.encode(bigEndian) }
}
