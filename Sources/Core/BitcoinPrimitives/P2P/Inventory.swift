/// The type of an inventory entry (Core src/protocol.h `GetDataMsg`). Unknown values are kept,
/// as Core keeps them, so a relay can pass them through.
public struct InventoryType: Hashable, Sendable, RawRepresentable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// BIP144: set on `getdata` to ask for the witness serialisation.
    public static let witnessFlag: UInt32 = 1 << 30

    public static let error = InventoryType(rawValue: 0)
    public static let tx = InventoryType(rawValue: 1)
    public static let block = InventoryType(rawValue: 2)
    /// BIP37.
    public static let filteredBlock = InventoryType(rawValue: 3)
    /// BIP152.
    public static let compactBlock = InventoryType(rawValue: 4)
    /// BIP339: a transaction named by wtxid.
    public static let wtx = InventoryType(rawValue: 5)
    public static let witnessTx = InventoryType(rawValue: 1 | witnessFlag)
    public static let witnessBlock = InventoryType(rawValue: 2 | witnessFlag)
    public static let filteredWitnessBlock = InventoryType(rawValue: 3 | witnessFlag)

    /// True if the BIP144 witness flag is set.
    public var isWitness: Bool { rawValue & Self.witnessFlag != 0 }
    /// The type with the witness flag cleared.
    public var base: InventoryType { InventoryType(rawValue: rawValue & ~Self.witnessFlag) }

    public var description: String {
        let name: String
        switch base {
        case .error: name = "ERROR"
        case .tx: name = "TX"
        case .block: name = "BLOCK"
        case .filteredBlock: name = "FILTERED_BLOCK"
        case .compactBlock: name = "CMPCT_BLOCK"
        case .wtx: name = "WTX"
        default: name = "UNKNOWN(\(base.rawValue))"
        }
        return isWitness ? "WITNESS_" + name : name
    }
}

/// One `inv` / `getdata` / `notfound` entry: a type and a 32-byte hash (internal order).
public struct Inventory: Hashable, Sendable {
    public static let size = 36

    public var type: InventoryType
    public var hash: Hash256

    public init(type: InventoryType, hash: Hash256) {
        self.type = type
        self.hash = hash
    }

    /// Decodes a CompactSize-counted list of at most 50,000 entries (Core `MAX_INV_SZ`).
    /// - Throws: ``DecodingError`` for a larger count (before allocating), truncation or trailing bytes.
    public static func decodeList(_ payload: ArraySlice<UInt8>) throws(DecodingError) -> [Inventory] {
        var r = ByteReader(payload)
        let n = try r.readCount("inventory entries", limit: P2PLimits.maxInventory, minElementSize: size)
        var out: [Inventory] = []
        out.reserveCapacity(n)
        for _ in 0..<n {
            let type = InventoryType(rawValue: try r.readLE())
            out.append(Inventory(type: type, hash: try r.readHash256()))
        }
        try r.expectEnd()
        return out
    }

    /// Encodes a CompactSize-counted list.
    public static func encodeList(_ list: [Inventory], to w: inout ByteWriter) {
        w.writeCompactSize(list.count)
        for e in list {
            w.writeLE(e.type.rawValue)
            w.writeHash256(e.hash)
        }
    }
}
