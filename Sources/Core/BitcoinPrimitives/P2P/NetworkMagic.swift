/// The four "message start" bytes that open every v1 P2P message and identify the network
/// (Bitcoin Core: `CChainParams::MessageStart()`).
///
/// Chain parameters own the value for each network; this type only carries it, so the codec
/// never hard-codes a network. The well-known values are here for tests and tools.
public struct NetworkMagic: Hashable, Sendable, CustomStringConvertible {
    /// The four bytes in wire order.
    public let bytes: (UInt8, UInt8, UInt8, UInt8)

    public init(_ b0: UInt8, _ b1: UInt8, _ b2: UInt8, _ b3: UInt8) {
        bytes = (b0, b1, b2, b3)
    }

    /// From exactly four bytes in wire order.
    /// - Throws: ``DecodingError`` if the collection does not hold exactly four bytes.
    public init<C: Collection>(wireBytes: C) throws(DecodingError) where C.Element == UInt8 {
        let a = Array(wireBytes)
        guard a.count == 4 else {
            throw DecodingError(.invalid("network magic is 4 bytes, got \(a.count)"), at: 0)
        }
        self.init(a[0], a[1], a[2], a[3])
    }

    /// The four bytes in wire order, as an array.
    public var wireBytes: [UInt8] { [bytes.0, bytes.1, bytes.2, bytes.3] }

    public var description: String { Hex.encode(wireBytes) }

    public static func == (a: NetworkMagic, b: NetworkMagic) -> Bool {
        a.bytes.0 == b.bytes.0 && a.bytes.1 == b.bytes.1 && a.bytes.2 == b.bytes.2 && a.bytes.3 == b.bytes.3
    }
    public func hash(into h: inout Hasher) {
        h.combine(bytes.0); h.combine(bytes.1); h.combine(bytes.2); h.combine(bytes.3)
    }

    // Values from Bitcoin Core src/kernel/chainparams.cpp (pchMessageStart).
    /// Mainnet: f9 be b4 d9.
    public static let main = NetworkMagic(0xf9, 0xbe, 0xb4, 0xd9)
    /// testnet3: 0b 11 09 07.
    public static let testnet3 = NetworkMagic(0x0b, 0x11, 0x09, 0x07)
    /// testnet4: 1c 16 3f 28.
    public static let testnet4 = NetworkMagic(0x1c, 0x16, 0x3f, 0x28)
    /// Default signet (the global signet challenge): 0a 03 cf 40.
    public static let signet = NetworkMagic(0x0a, 0x03, 0xcf, 0x40)
    /// regtest: fa bf b5 da.
    public static let regtest = NetworkMagic(0xfa, 0xbf, 0xb5, 0xda)
}
