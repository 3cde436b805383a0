/// The network group of a peer address, as Bitcoin Core groups outbound peers for diversity
/// (src/netgroup.cpp, without an asmap): IPv4 by /16, IPv6 by /32, and onion, I2P and CJDNS
/// each as one group per network here. Unroutable addresses (loopback, private ranges, as
/// bitcoind's `network` field says) form one group. Pure.
public enum NetworkGroup {
    /// - Parameters:
    ///   - address: `getpeerinfo` `addr` (`host:port`, `[ipv6]:port`).
    ///   - network: `getpeerinfo` `network`, if present.
    /// - Returns: a group name such as `ipv4:203.0`, `ipv6:2001:0db8`, `onion`, `unroutable`,
    ///   or `unknown:<host>` when the address cannot be read.
    public static func of(address: String, network: String?) -> String {
        switch network {
        case "onion", "i2p", "cjdns": return network ?? ""
        case "not_publicly_routable": return "unroutable"
        default: break
        }
        let host = hostPart(of: address)
        let lower = host.lowercased()
        if lower.hasSuffix(".onion") { return "onion" }
        if lower.hasSuffix(".i2p") { return "i2p" }
        if let v4 = ipv4Prefix(host) { return "ipv4:\(v4)" }
        if let v6 = ipv6Groups(host) {
            if v6[0] & 0xff00 == 0xfc00 { return "cjdns" }
            // IPv4-mapped (::ffff:a.b.c.d) was handled above by the dotted tail.
            return "ipv6:" + String(format4(v6[0])) + ":" + String(format4(v6[1]))
        }
        return "unknown:\(host)"
    }

    /// `host` from `host:port`, `[v6]:port`, or a bare host.
    static func hostPart(of address: String) -> String {
        if address.hasPrefix("["), let close = address.firstIndex(of: "]") {
            return String(address[address.index(after: address.startIndex)..<close])
        }
        let colons = address.filter { $0 == ":" }.count
        if colons == 1, let colon = address.lastIndex(of: ":") { return String(address[..<colon]) }
        return address
    }

    /// "a.b" for a dotted IPv4 address (or the dotted tail of an IPv4-mapped IPv6 address).
    static func ipv4Prefix(_ host: String) -> String? {
        let tail = host.split(separator: ":").last.map(String.init) ?? host
        if host.contains(":") && !host.lowercased().hasPrefix("::ffff:") { return nil }
        let parts = tail.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        let octets = parts.compactMap { UInt8($0) }
        guard octets.count == 4 else { return nil }
        return "\(octets[0]).\(octets[1])"
    }

    /// The first two 16-bit groups of an IPv6 address (enough for /32), `::` expanded.
    static func ipv6Groups(_ host: String) -> [UInt16]? {
        guard host.contains(":") else { return nil }
        let halves = host.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        let head = halves[0].isEmpty ? [] : halves[0].split(separator: ":", omittingEmptySubsequences: false)
        var groups: [UInt16] = []
        for g in head {
            guard g.count <= 4, let v = UInt16(g, radix: 16) else { return nil }
            groups.append(v)
        }
        if halves.count == 1 && groups.count != 8 { return nil }
        while groups.count < 2 { groups.append(0) }
        return groups
    }

    private static func format4(_ v: UInt16) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: 4 - s.count) + s
    }
}
