import BitcoinPrimitives

/// Which addresses the address manager keeps: Bitcoin Core's `CNetAddr::IsRoutable` (reserved,
/// private, documentation, link-local and loopback ranges refused), port 0 refused except for I2P
/// (whose addresses carry port 0: Core's `I2P_SAM31_PORT`).
public enum Routability {
    /// - Parameters:
    ///   - address: the address.
    ///   - loopback: accept 127/8 (and `::1`): `testloopbackgroups`, a test-only option.
    public static func isRoutable(_ address: PeerAddress, loopback: Bool = false) -> Bool {
        guard address.port != 0 || address.network == .i2p else { return false }
        let b = address.bytes
        switch address.network {
        case .ipv4:
            if b[0] == 127 { return loopback }
            if b[0] == 0 || b[0] == 10 || b[0] >= 224 { return false }  // this network, RFC 1918, multicast/reserved
            if b[0] == 169 && b[1] == 254 { return false }  // RFC 3927 link-local
            if b[0] == 172 && (16...31).contains(b[1]) { return false }  // RFC 1918
            if b[0] == 192 && b[1] == 168 { return false }  // RFC 1918
            if b[0] == 100 && (64...127).contains(b[1]) { return false }  // RFC 6598 shared space
            if b[0] == 198 && (b[1] == 18 || b[1] == 19) { return false }  // RFC 2544 benchmarking
            if b[0] == 192 && b[1] == 0 && b[2] == 2 { return false }  // RFC 5737 documentation
            if b[0] == 198 && b[1] == 51 && b[2] == 100 { return false }
            if b[0] == 203 && b[1] == 0 && b[2] == 113 { return false }
            return true
        case .ipv6:
            if b == [UInt8](repeating: 0, count: 15) + [1] { return loopback }
            if b.allSatisfy({ $0 == 0 }) { return false }
            if b[0] & 0xfe == 0xfc { return false }  // RFC 4193 unique local
            if b[0] == 0xfe && b[1] & 0xc0 == 0x80 { return false }  // RFC 4862 link-local
            if b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8 { return false }  // RFC 3849 documentation
            if b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x00 && b[3] & 0xf0 == 0x10 { return false }  // RFC 4843 ORCHID
            if b[0] == 0xff { return false }  // multicast
            return true
        case .torV3, .i2p:
            return true
        case .cjdns:
            return b[0] == 0xfc
        }
    }
}
