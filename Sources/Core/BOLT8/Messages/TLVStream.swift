import BitcoinPrimitives

/// One TLV record (BOLT 1, "Type-Length-Value Format").
public struct TLVRecord: Equatable, Sendable {
    public let type: UInt64
    public let value: [UInt8]

    public init(type: UInt64, value: [UInt8]) {
        self.type = type
        self.value = value
    }
}

/// A TLV stream: records with strictly increasing types, BigSize type and length.
public enum TLVStream {
    /// Reads records to the end of the input.
    ///
    /// Known types are returned; unknown odd types are skipped ("it's ok to be odd"); an unknown
    /// even type is an error. Each length is checked against the bytes left before reading.
    /// - Parameters:
    ///   - reader: positioned at the stream; consumed to its end.
    ///   - knownTypes: the types the caller understands.
    /// - Returns: the known records in order.
    /// - Throws: ``LightningMessageError``.
    static func decode(_ reader: inout ByteReader, knownTypes: Set<UInt64>) throws(LightningMessageError) -> [TLVRecord] {
        var records: [TLVRecord] = []
        var previous: UInt64?
        while !reader.isAtEnd {
            let type = try BigSize.read(&reader, field: "TLV type")
            let length = try BigSize.read(&reader, field: "TLV length")
            if let previous, type <= previous { throw .tlvNotIncreasing(previous: previous, next: type) }
            previous = type
            guard length <= UInt64(reader.remaining) else {
                throw .tlvLengthExceedsStream(type: type, length: length, available: reader.remaining)
            }
            let value = try reader.readField(Int(length), "TLV \(type) value")
            if knownTypes.contains(type) {
                records.append(TLVRecord(type: type, value: value))
            } else if type % 2 == 0 {
                throw .unknownEvenTLV(type)
            }
        }
        return records
    }

    /// Appends records, which must already be sorted by type.
    static func encode(_ records: [TLVRecord], to writer: inout ByteWriter) {
        for record in records.sorted(by: { $0.type < $1.type }) {
            BigSize.write(record.type, to: &writer)
            BigSize.write(UInt64(record.value.count), to: &writer)
            writer.writeBytes(record.value)
        }
    }
}
