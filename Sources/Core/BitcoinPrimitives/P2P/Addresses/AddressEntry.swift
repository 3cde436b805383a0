/// One entry of an `addr` or `addrv2` message: when the address was last seen (as the sender
/// claims), the services it advertised, and the address.
public struct AddressEntry: Hashable, Sendable {
    /// Seconds since the Unix epoch (u32 on the wire in both versions).
    public var time: UInt32
    public var services: UInt64
    public var address: PeerAddress

    public init(time: UInt32, services: UInt64, address: PeerAddress) {
        self.time = time
        self.services = services
        self.address = address
    }
}

extension AddressEntry {
    /// Decodes an `addr` (v1) payload: CompactSize count (at most 1,000; more is misbehaviour,
    /// Core `MAX_ADDR_TO_SEND`), then per entry time u32, services u64, 16-byte IP, port u16 BE.
    /// - Throws: ``DecodingError`` (``DecodingError/Kind/tooLarge(field:value:limit:)`` for a
    ///   count over 1,000, checked before anything is allocated).
    public static func decodeV1List(_ payload: ArraySlice<UInt8>) throws(DecodingError) -> [AddressEntry] {
        var r = ByteReader(payload)
        let n = try r.readCount("addr", limit: P2PLimits.maxAddresses, minElementSize: 30)
        var out: [AddressEntry] = []
        out.reserveCapacity(n)
        for _ in 0..<n {
            let time: UInt32 = try r.readLE()
            let services: UInt64 = try r.readLE()
            let ip = try IPAddress(bytes: try r.readBytes(16))
            let port: UInt16 = try r.readBE()
            out.append(AddressEntry(time: time, services: services, address: PeerAddress(ip: ip, port: port)))
        }
        try r.expectEnd()
        return out
    }

    /// Encodes an `addr` (v1) payload; entries v1 cannot carry (Tor v3, I2P, CJDNS) are left out.
    public static func encodeV1List(_ entries: [AddressEntry], to w: inout ByteWriter) {
        let carried = entries.compactMap { e in e.address.ipAddress.map { (e, $0) } }
        w.writeCompactSize(carried.count)
        for (e, ip) in carried {
            w.writeLE(e.time)
            w.writeLE(e.services)
            w.writeBytes(ip.bytes)
            w.writeBE(e.address.port)
        }
    }

    /// Decodes an `addrv2` payload (BIP155): CompactSize count (at most 1,000), then per entry
    /// time u32, services CompactSize, network id u8, address CompactSize length (at most 512,
    /// Core `MAX_ADDRV2_SIZE`) and bytes, port u16 BE.
    ///
    /// As BIP155 says, entries of unknown networks (and TORv2) are skipped; a known network with
    /// the wrong length is an error. Like Core, an `ipv6` entry that is really IPv4-mapped is not
    /// kept (it must come as `ipv4`).
    /// - Throws: ``DecodingError``.
    public static func decodeV2List(_ payload: ArraySlice<UInt8>) throws(DecodingError) -> [AddressEntry] {
        var r = ByteReader(payload)
        // Smallest entry: 4 time + 1 services + 1 network + 1 length + 0 address + 2 port.
        let n = try r.readCount("addrv2", limit: P2PLimits.maxAddresses, minElementSize: 9)
        var out: [AddressEntry] = []
        out.reserveCapacity(n)
        for _ in 0..<n {
            let time: UInt32 = try r.readLE()
            let services = try r.readCompactSize()
            let networkID = try r.readUInt8()
            let at = r.offset
            let bytes = try r.readVarBytes("addrv2 address length", limit: P2PLimits.maxAddrV2AddressLength)
            let port: UInt16 = try r.readBE()
            guard let network = AddressNetwork(rawValue: networkID) else { continue }
            guard bytes.count == network.addressLength else {
                throw DecodingError(.invalid("a BIP155 \(network) address is \(network.addressLength) bytes, got \(bytes.count)"), at: at)
            }
            let address = try PeerAddress(network: network, bytes: Array(bytes), port: port)
            if network == .ipv6, address.ipAddress?.ipv4 != nil { continue }
            out.append(AddressEntry(time: time, services: services, address: address))
        }
        try r.expectEnd()
        return out
    }

    /// Encodes an `addrv2` payload.
    public static func encodeV2List(_ entries: [AddressEntry], to w: inout ByteWriter) {
        w.writeCompactSize(entries.count)
        for e in entries {
            w.writeLE(e.time)
            w.writeCompactSize(e.services)
            w.writeUInt8(e.address.network.rawValue)
            w.writeVarBytes(e.address.bytes)
            w.writeBE(e.address.port)
        }
    }
}
