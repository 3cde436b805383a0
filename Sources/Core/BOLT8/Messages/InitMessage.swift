import BitcoinPrimitives

/// BOLT 1 `init` (type 16): feature bits and the `init_tlvs` stream.
public struct InitMessage: Equatable, Sendable {
    /// TLV type 1: `networks`, the chain hashes the node is interested in.
    public static let networksTLV: UInt64 = 1
    /// TLV type 3: `remote_addr`, the address the sender sees us at.
    public static let remoteAddressTLV: UInt64 = 3

    /// Legacy global features (big-endian bit field), kept for compatibility.
    public var globalFeatures: [UInt8]
    /// Features (big-endian bit field; bit 0 is the lowest bit of the last byte).
    public var features: [UInt8]
    /// Chain hashes from the `networks` TLV (32 bytes each), nil if absent.
    public var networks: [[UInt8]]?
    /// The raw `remote_addr` TLV value, nil if absent.
    public var remoteAddress: [UInt8]?

    public init(globalFeatures: [UInt8] = [], features: [UInt8] = [],
                networks: [[UInt8]]? = nil, remoteAddress: [UInt8]? = nil) {
        self.globalFeatures = globalFeatures
        self.features = features
        self.networks = networks
        self.remoteAddress = remoteAddress
    }

    /// Whether feature `bit` is set in either field (BOLT 1 merges them).
    public func hasFeature(_ bit: Int) -> Bool {
        func isSet(_ field: [UInt8]) -> Bool {
            let byteFromEnd = bit / 8
            guard bit >= 0, byteFromEnd < field.count else { return false }
            return field[field.count - 1 - byteFromEnd] & (1 << UInt8(bit % 8)) != 0
        }
        return isSet(features) || isSet(globalFeatures)
    }

    init(reading reader: inout ByteReader) throws(LightningMessageError) {
        globalFeatures = try reader.readU16Prefixed("init globalfeatures")
        features = try reader.readU16Prefixed("init features")
        let records = try TLVStream.decode(
            &reader, knownTypes: [Self.networksTLV, Self.remoteAddressTLV])
        for record in records {
            switch record.type {
            case Self.networksTLV:
                guard record.value.count % 32 == 0 else {
                    throw .invalidField("networks TLV length \(record.value.count) is not a multiple of 32")
                }
                networks = stride(from: 0, to: record.value.count, by: 32).map {
                    Array(record.value[$0..<($0 + 32)])
                }
            default:
                remoteAddress = record.value
            }
        }
    }

    func write(to writer: inout ByteWriter) {
        writer.writeBE(UInt16(truncatingIfNeeded: globalFeatures.count))
        writer.writeBytes(globalFeatures)
        writer.writeBE(UInt16(truncatingIfNeeded: features.count))
        writer.writeBytes(features)
        var records: [TLVRecord] = []
        if let networks { records.append(TLVRecord(type: Self.networksTLV, value: networks.flatMap { $0 })) }
        if let remoteAddress { records.append(TLVRecord(type: Self.remoteAddressTLV, value: remoteAddress)) }
        TLVStream.encode(records, to: &writer)
    }
}
