/// A 16-byte IP address as the v1 protocol carries it: IPv6, with IPv4 as IPv4-mapped IPv6
/// (`::ffff:a.b.c.d`, RFC 4291 section 2.5.5.2).
public struct IPAddress: Hashable, Sendable, CustomStringConvertible {
    /// The 16 bytes in network order.
    public let bytes: [UInt8]

    private static let ipv4Prefix: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]

    /// From 16 bytes.
    /// - Throws: ``DecodingError`` if not exactly 16 bytes.
    public init<C: Collection>(bytes: C) throws(DecodingError) where C.Element == UInt8 {
        let a = Array(bytes)
        guard a.count == 16 else { throw DecodingError(.invalid("an IP address is 16 bytes, got \(a.count)"), at: 0) }
        self.bytes = a
    }

    /// An IPv4 address as IPv4-mapped IPv6.
    public init(ipv4 a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        bytes = Self.ipv4Prefix + [a, b, c, d]
    }

    /// `::` (all zero), what nodes send when they do not know an address.
    public static let unspecified = IPAddress(unchecked: [UInt8](repeating: 0, count: 16))

    private init(unchecked: [UInt8]) { bytes = unchecked }

    /// The four IPv4 bytes if this is an IPv4-mapped address, else nil.
    public var ipv4: [UInt8]? {
        bytes.starts(with: Self.ipv4Prefix) ? Array(bytes[12...]) : nil
    }

    public var description: String {
        if let v4 = ipv4 { return v4.map(String.init).joined(separator: ".") }
        return stride(from: 0, to: 16, by: 2)
            .map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }
            .joined(separator: ":")
    }
}

/// A peer address without a timestamp, as in the `version` message (Core's `CService` with
/// services): services (8 bytes LE), IP (16 bytes), port (2 bytes **big** endian).
public struct NetworkAddress: Hashable, Sendable {
    public static let size = 26

    public var services: UInt64
    public var ip: IPAddress
    public var port: UInt16

    public init(services: UInt64, ip: IPAddress, port: UInt16) {
        self.services = services
        self.ip = ip
        self.port = port
    }

    /// Reads 26 bytes.
    /// - Throws: ``DecodingError`` if the input ends early.
    public init(from r: inout ByteReader) throws(DecodingError) {
        services = try r.readLE()
        ip = try IPAddress(bytes: try r.readBytes(16))
        port = try r.readBE()
    }

    public func write(to w: inout ByteWriter) {
        w.writeLE(services)
        w.writeBytes(ip.bytes)
        w.writeBE(port)
    }
}
