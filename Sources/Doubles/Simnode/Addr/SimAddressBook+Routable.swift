import BitcoinPrimitives

extension SimAddressBook {
    /// Core's `CNetAddr::IsRoutable` (src/netaddress.cpp): not RFC 1918, 2544, 3927, 4862, 6598,
    /// 5737, 4193, 4843, 7343 or 3849, not unspecified or multicast, not local (127.0.0.0/8,
    /// ::1) unless `allowLoopback` (simnode's test-only `--simaddrloopback`; bitcoind has no
    /// such switch). Tor v3 and I2P are routable; CJDNS must be in fc00::/8.
    static func isRoutable(_ address: PeerAddress, allowLoopback: Bool) -> Bool {
        let b = address.bytes
        switch address.network {
        case .ipv4:
            let (x, y, z) = (b[0], b[1], b[2])
            if x == 127 { return allowLoopback }
            if x == 0 || x == 10 || (x == 192 && y == 168) || (x == 172 && (16...31).contains(y)) { return false }
            if x == 169 && y == 254 { return false }  // RFC 3927
            if x == 198 && (y == 18 || y == 19) { return false }  // RFC 2544
            if x == 100 && (64...127).contains(y) { return false }  // RFC 6598
            if (x == 192 && y == 0 && z == 2) || (x == 198 && y == 51 && z == 100) || (x == 203 && y == 0 && z == 113) {
                return false  // RFC 5737
            }
            return x < 224  // multicast and reserved
        case .ipv6:
            if b == [UInt8](repeating: 0, count: 15) + [1] { return allowLoopback }
            if b.allSatisfy({ $0 == 0 }) || b[0] == 0xff { return false }
            if b[0] & 0xfe == 0xfc { return false }  // RFC 4193
            if b[0] == 0xfe && b[1] & 0xc0 == 0x80 { return false }  // RFC 4862
            if b[0...3] == [0x20, 0x01, 0x0d, 0xb8] { return false }  // RFC 3849
            if b[0...2] == [0x20, 0x01, 0x00] && (b[3] & 0xf0 == 0x10 || b[3] & 0xf0 == 0x20) {
                return false  // RFC 4843 ORCHID, RFC 7343 ORCHIDv2
            }
            return true
        case .torV3, .i2p:
            return true
        case .cjdns:
            return b[0] == 0xfc
        }
    }
}
