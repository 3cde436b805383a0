/// Where a peer can be reached: a BIP155 network, its address bytes (the network's fixed length)
/// and a port (Core's `CService`). The address manager's key and the dialler's target.
public struct PeerAddress: Hashable, Sendable, CustomStringConvertible {
    public let network: AddressNetwork
    /// Exactly `network.addressLength` bytes, network order.
    public let bytes: [UInt8]
    public var port: UInt16

    /// - Throws: ``DecodingError`` when `bytes` has the wrong length for `network`.
    public init(network: AddressNetwork, bytes: [UInt8], port: UInt16) throws(DecodingError) {
        guard bytes.count == network.addressLength else {
            throw DecodingError(.invalid("a \(network) address is \(network.addressLength) bytes, got \(bytes.count)"), at: 0)
        }
        self.network = network
        self.bytes = bytes
        self.port = port
    }

    private init(unchecked network: AddressNetwork, _ bytes: [UInt8], port: UInt16) {
        self.network = network
        self.bytes = bytes
        self.port = port
    }

    /// An IPv4 address.
    public init(ipv4 a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8, port: UInt16) {
        network = .ipv4
        bytes = [a, b, c, d]
        self.port = port
    }

    /// From a v1 16-byte address: IPv4-mapped becomes ``AddressNetwork/ipv4``, the rest IPv6.
    public init(ip: IPAddress, port: UInt16) {
        if let v4 = ip.ipv4 {
            network = .ipv4
            bytes = v4
        } else {
            network = .ipv6
            bytes = ip.bytes
        }
        self.port = port
    }

    /// The v1 form (IPv4-mapped IPv6 or IPv6), or nil for networks v1 `addr` cannot carry.
    public var ipAddress: IPAddress? {
        switch network {
        case .ipv4: return IPAddress(ipv4: bytes[0], bytes[1], bytes[2], bytes[3])
        case .ipv6: return try? IPAddress(bytes: bytes)
        case .torV3, .i2p, .cjdns: return nil
        }
    }

    /// The host as it is dialled: dotted IPv4, IPv6 in RFC 5952-ish hex groups (no brackets),
    /// `<56 base32>.onion`, `<52 base32>.b32.i2p`.
    public var host: String {
        switch network {
        case .ipv4: return bytes.map(String.init).joined(separator: ".")
        case .ipv6, .cjdns:
            return stride(from: 0, to: 16, by: 2)
                .map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }
                .joined(separator: ":")
        case .torV3: return TorV3Name.name(publicKey: bytes)
        case .i2p: return Base32.encode(bytes) + ".b32.i2p"
        }
    }

    /// `host:port`, IPv6 in brackets.
    public var description: String { HostPort(host: host, port: Int(port)).description }

    /// Parses a host as ``host`` prints it (IPv4, IPv6, a v3 `.onion` name); nil for anything
    /// else (a DNS name is not an address). IPv6 in `fc00::/8` stays IPv6 here: CJDNS needs the
    /// operator to say so, as in Core.
    public init?(host: String, port: UInt16) {
        if let v4 = Self.parseIPv4(host) {
            self.init(ipv4: v4[0], v4[1], v4[2], v4[3], port: port)
        } else if let key = TorV3Name.publicKey(name: host) {
            self.init(unchecked: .torV3, key, port: port)
        } else if let v6 = Self.parseIPv6(host) {
            self.init(ip: v6, port: port)
        } else {
            return nil
        }
    }

    /// A ``HostPort`` whose host is an address (not a DNS name), or nil.
    public init?(_ endpoint: HostPort) {
        guard (0...65535).contains(endpoint.port) else { return nil }
        self.init(host: endpoint.host, port: UInt16(endpoint.port))
    }

    static func parseIPv4(_ text: String) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var out: [UInt8] = []
        for part in parts {
            guard (1...3).contains(part.count), part.allSatisfy(\.isASCII), let v = UInt8(part) else { return nil }
            out.append(v)
        }
        return out
    }

    static func parseIPv6(_ text: String) -> IPAddress? {
        guard text.contains(":"), text.utf8.count <= 45 else { return nil }
        let gaps = text.ranges(of: "::")
        guard gaps.count <= 1 else { return nil }
        let halves = gaps.first.map { [String(text[..<$0.lowerBound]), String(text[$0.upperBound...])] } ?? [text]
        func groups(_ s: String) -> [UInt8]? {
            if s.isEmpty { return [] }
            var out: [UInt8] = []
            let parts = s.split(separator: ":", omittingEmptySubsequences: false)
            for (i, part) in parts.enumerated() {
                if i == parts.count - 1, part.contains("."), let v4 = parseIPv4(String(part)) {
                    out += v4
                    continue
                }
                guard (1...4).contains(part.count), let v = UInt16(part, radix: 16) else { return nil }
                out += [UInt8(v >> 8), UInt8(v & 0xff)]
            }
            return out
        }
        guard let head = groups(halves[0]) else { return nil }
        var all = head
        if halves.count == 2 {
            guard let tail = groups(halves[1]), head.count + tail.count <= 14 else { return nil }
            all += [UInt8](repeating: 0, count: 16 - head.count - tail.count) + tail
        }
        return try? IPAddress(bytes: all)
    }
}
