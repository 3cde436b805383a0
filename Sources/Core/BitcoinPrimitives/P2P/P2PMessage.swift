/// A decoded P2P message. The payload codec (`P2PMessage+Payload.swift`) is independent of the
/// framing, so v1 (``V1FrameDecoder``) and BIP324 (its own short ids) share it.
public enum P2PMessage: Hashable, Sendable {
    case version(VersionMessage)
    case verack
    case ping(nonce: UInt64)
    case pong(nonce: UInt64)
    case getheaders(GetHeadersMessage)
    /// Up to 2,000 headers (each followed on the wire by a transaction count of 0).
    case headers([BlockHeader])
    case inv([Inventory])
    case getdata([Inventory])
    case notfound([Inventory])
    case block(Block)
    case tx(Transaction)
    /// BIP130.
    case sendheaders
    /// BIP339.
    case wtxidrelay
    /// BIP155.
    case sendaddrv2
    /// BIP133: minimum fee rate in satoshis per 1,000 virtual bytes (Core's `CAmount`, signed).
    case feefilter(feeRate: Int64)
    /// Addresses, v1 (IPv4/IPv6 only), at most 1,000.
    case addr([AddressEntry])
    /// BIP155 addresses, at most 1,000 (unknown networks already skipped).
    case addrv2([AddressEntry])
    /// Asks an inbound peer's address book for addresses.
    case getaddr
    /// A command this codec does not decode, kept with its payload untouched.
    case unknown(command: P2PCommand, payload: [UInt8])

    /// The command name this message travels under.
    public var command: P2PCommand {
        switch self {
        case .version: return .version
        case .verack: return .verack
        case .ping: return .ping
        case .pong: return .pong
        case .getheaders: return .getheaders
        case .headers: return .headers
        case .inv: return .inv
        case .getdata: return .getdata
        case .notfound: return .notfound
        case .block: return .block
        case .tx: return .tx
        case .sendheaders: return .sendheaders
        case .wtxidrelay: return .wtxidrelay
        case .sendaddrv2: return .sendaddrv2
        case .feefilter: return .feefilter
        case .addr: return .addr
        case .addrv2: return .addrv2
        case .getaddr: return .getaddr
        case .unknown(let command, _): return command
        }
    }
}
