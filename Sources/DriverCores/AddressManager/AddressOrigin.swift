/// How the driver learned an address (`listpeers`' `source` field).
public enum AddressOrigin: UInt8, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case dns = 1
    case fixed = 2
    case gossip = 3
    case manual = 4
    case anchor = 5
    case inbound = 6

    public var description: String {
        switch self {
        case .dns: return "dns"
        case .fixed: return "fixed"
        case .gossip: return "gossip"
        case .manual: return "manual"
        case .anchor: return "anchor"
        case .inbound: return "inbound"
        }
    }
}
