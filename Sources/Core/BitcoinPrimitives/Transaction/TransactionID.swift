/// A transaction id: sha256d of the transaction without witness data. Internal byte order;
/// ``displayHex`` is the reversed form bitcoind prints.
public struct Txid: Hashable, Sendable, CustomStringConvertible {
    public let hash: Hash256
    public init(_ hash: Hash256) { self.hash = hash }
    /// From 64 hex digits in display order. - Throws: on bad hex or length.
    public init(displayHex: String) throws { hash = try Hash256(displayHex: displayHex) }
    public static let zero = Txid(.zero)
    public var internalBytes: [UInt8] { hash.internalBytes }
    public var displayHex: String { hash.displayHex }
    public var description: String { hash.displayHex }
}

/// A witness transaction id (BIP141): sha256d of the full serialisation, witness included.
/// Equal to the txid for a transaction without witness data.
public struct Wtxid: Hashable, Sendable, CustomStringConvertible {
    public let hash: Hash256
    public init(_ hash: Hash256) { self.hash = hash }
    /// From 64 hex digits in display order. - Throws: on bad hex or length.
    public init(displayHex: String) throws { hash = try Hash256(displayHex: displayHex) }
    public static let zero = Wtxid(.zero)
    public var internalBytes: [UInt8] { hash.internalBytes }
    public var displayHex: String { hash.displayHex }
    public var description: String { hash.displayHex }
}
