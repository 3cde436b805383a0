/// The networks of BIP155 `addrv2`, by their network id, with the address length each must have.
/// Ids 3 (TORv2, retired by Tor in 2021; Bitcoin Core 22 stopped keeping them) and unknown ids are
/// not cases: BIP155 says a receiver skips addresses of networks it does not know.
public enum AddressNetwork: UInt8, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    case ipv4 = 1
    case ipv6 = 2
    case torV3 = 4
    case i2p = 5
    case cjdns = 6

    /// The address length BIP155 fixes for the network; another length is invalid.
    public var addressLength: Int {
        switch self {
        case .ipv4: return 4
        case .ipv6: return 16
        case .torV3: return 32
        case .i2p: return 32
        case .cjdns: return 16
        }
    }

    /// The name operators and `listpeers` use (`onlynet=` values and the `network` field).
    public var name: String {
        switch self {
        case .ipv4: return "ipv4"
        case .ipv6: return "ipv6"
        case .torV3: return "onion"
        case .i2p: return "i2p"
        case .cjdns: return "cjdns"
        }
    }

    /// The network called `name` (as ``name`` prints it), or nil.
    public init?(name: String) {
        guard let match = Self.allCases.first(where: { $0.name == name.lowercased() }) else { return nil }
        self = match
    }

    public var description: String { name }
}
