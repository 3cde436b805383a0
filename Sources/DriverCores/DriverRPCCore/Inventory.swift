import BitcoinPrimitives

/// One inventory vector of a `getdata` / `notfound` payload (BIP 144 types included).
public struct Inventory: Sendable, Equatable {
    public static let tx: UInt32 = 1
    public static let block: UInt32 = 2
    /// BIP 144: MSG_WITNESS_FLAG (1 << 30) on tx and block.
    public static let witnessFlag: UInt32 = 1 << 30
    /// Core's MAX_INV_SZ: the most entries a getdata may carry.
    public static let maxEntries = 50_000

    public var type: UInt32
    public var hash: Hash256

    public init(type: UInt32, hash: Hash256) {
        self.type = type
        self.hash = hash
    }

    public var isBlock: Bool { type & ~Self.witnessFlag == Self.block }
    public var isTransaction: Bool { type & ~Self.witnessFlag == Self.tx }
    public var wantsWitness: Bool { type & Self.witnessFlag != 0 }

    /// Parses a getdata payload: a compact-size count, then per entry a 4-byte LE type and a
    /// 32-byte hash.
    /// - Parameter payload: the message payload.
    /// - Returns: the entries.
    /// - Throws: `DecodingError` when truncated, over ``maxEntries``, or with trailing bytes.
    public static func parseList(_ payload: [UInt8]) throws(DecodingError) -> [Inventory] {
        var reader = ByteReader(payload)
        let count = try reader.readCount("inventory", limit: maxEntries, minElementSize: 36)
        var items: [Inventory] = []
        items.reserveCapacity(count)
        for _ in 0..<count {
            let type = try reader.readLE(UInt32.self)
            let hash = try Hash256(internalBytes: try reader.readBytes(32))
            items.append(Inventory(type: type, hash: hash))
        }
        guard reader.isAtEnd else { throw DecodingError(.trailingBytes(reader.remaining), at: reader.offset) }
        return items
    }

    /// Serializes entries as a getdata / notfound payload.
    public static func serializeList(_ items: [Inventory]) -> [UInt8] {
        var writer = ByteWriter()
        writer.writeCompactSize(UInt64(items.count))
        for item in items {
            writer.writeLE(item.type)
            writer.writeBytes(item.hash.internalBytes)
        }
        return writer.bytes
    }
}
