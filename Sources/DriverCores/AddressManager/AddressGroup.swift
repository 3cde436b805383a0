import BitcoinPrimitives

/// The network group of an address (Bitcoin Core `NetGroupManager::GetGroup` without asmap;
/// Watchdog's `NetworkGroup` groups bitcoind's getpeerinfo text for its eclipse detector):
/// peers in one group are likely run by one operator or reachable through one network path, so
/// outbound peers come from distinct groups and one group's gossip is kept in a bounded share of
/// the address manager.
///
/// - IPv4: the /16 (`ipv4 a.b`).
/// - IPv6: the /32; 6to4 (`2002::/16`) by its embedded IPv4 /16, as Core does.
/// - Tor v3, I2P, CJDNS: the network and the first 4 bits of the address (Core: `nBits = 4`).
/// - Loopback (127/8), with ``AddressManagerConfig/loopbackGroups`` (test only): its /16, so
///   `127.x.0.0/16` is a group; otherwise non-routable addresses share one group.
/// - A named source (`dns:SEED`, `fixed`, `manual`): for the source side of bucketing only.
public struct AddressGroup: Hashable, Sendable, CustomStringConvertible {
    /// The bytes hashed into bucket positions.
    public let bytes: [UInt8]
    /// How `listpeers` shows the group.
    public let description: String

    init(bytes: [UInt8], description: String) {
        self.bytes = bytes
        self.description = description
    }

    /// The group of a source that is not an address: a DNS seed, the fixed seeds, the operator.
    public static func named(_ name: String) -> AddressGroup {
        AddressGroup(bytes: [0xff] + Array(name.utf8.prefix(255)), description: name)
    }

    /// The group of `address`.
    /// - Parameters:
    ///   - address: the address.
    ///   - loopbackGroups: treat 127/8 as routable, grouped by /16 (`testloopbackgroups`).
    public static func of(_ address: PeerAddress, loopbackGroups: Bool = false) -> AddressGroup {
        let b = address.bytes
        switch address.network {
        case .ipv4:
            if !Routability.isRoutable(address, loopback: loopbackGroups) {
                return AddressGroup(bytes: [0], description: "unroutable")
            }
            return AddressGroup(bytes: [AddressNetwork.ipv4.rawValue, b[0], b[1]], description: "ipv4 \(b[0]).\(b[1]).0.0/16")
        case .ipv6:
            if !Routability.isRoutable(address, loopback: loopbackGroups) {
                return AddressGroup(bytes: [0], description: "unroutable")
            }
            if b[0] == 0x20, b[1] == 0x02 {  // 6to4: the IPv4 address is bytes 2...5
                return AddressGroup(bytes: [AddressNetwork.ipv4.rawValue, b[2], b[3]], description: "ipv4 \(b[2]).\(b[3]).0.0/16")
            }
            let prefix = Array(b[0..<4])
            let text = String(UInt16(b[0]) << 8 | UInt16(b[1]), radix: 16) + ":" + String(UInt16(b[2]) << 8 | UInt16(b[3]), radix: 16)
            return AddressGroup(bytes: [AddressNetwork.ipv6.rawValue] + prefix, description: "ipv6 \(text)::/32")
        case .torV3, .i2p, .cjdns:
            let top = b[0] | 0x0f
            return AddressGroup(bytes: [address.network.rawValue, top], description: "\(address.network) \(String(top >> 4, radix: 16))")
        }
    }
}
