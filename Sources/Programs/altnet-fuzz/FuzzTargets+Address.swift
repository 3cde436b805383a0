import BitcoinPrimitives

/// BIP155 addresses: `addr` and `addrv2` lists, Tor v3 names and address text, which come from
/// peers (gossip) and operators (options).
enum AddressFuzz {
    /// Selector 18: a mode byte, then the input.
    static func run(_ input: inout FuzzInput) {
        let mode = input.byte()
        let bytes = input.remaining()
        switch mode % 3 {
        case 0: list(bytes, v2: true)
        case 1: list(bytes, v2: false)
        default: text(String(decoding: bytes.prefix(512), as: UTF8.self))
        }
    }

    static func list(_ bytes: [UInt8], v2: Bool) {
        let decoded = try? (v2 ? AddressEntry.decodeV2List(bytes[...]) : AddressEntry.decodeV1List(bytes[...]))
        guard let entries = decoded else { return }
        FuzzTargets.check(entries.count <= P2PLimits.maxAddresses, "\(entries.count) addresses decoded")
        var w = ByteWriter()
        if v2 { AddressEntry.encodeV2List(entries, to: &w) } else { AddressEntry.encodeV1List(entries, to: &w) }
        let again = try? (v2 ? AddressEntry.decodeV2List(w.bytes[...]) : AddressEntry.decodeV1List(w.bytes[...]))
        FuzzTargets.check(again == entries, "address list does not survive encode/decode")
        for e in entries {
            FuzzTargets.check(e.address.bytes.count == e.address.network.addressLength, "address of the wrong length kept")
            let host = e.address.host
            if e.address.network != .i2p, e.address.network != .cjdns {
                FuzzTargets.check(PeerAddress(host: host, port: e.address.port) == e.address, "\(host) does not parse back")
            }
        }
    }

    static func text(_ name: String) {
        if let key = TorV3Name.publicKey(name: name) {
            FuzzTargets.check(key.count == 32, "onion key of \(key.count) bytes")
            FuzzTargets.check(TorV3Name.publicKey(name: TorV3Name.name(publicKey: key)) == key, "onion name round trip")
        }
        if let address = PeerAddress(host: name, port: 1) {
            FuzzTargets.check(PeerAddress(host: address.host, port: 1) == address, "\(name) prints as \(address.host), which does not parse back")
        }
        if let raw = Base32.decode(name) {
            FuzzTargets.check(Base32.decode(Base32.encode(raw)) == raw, "base32 round trip")
        }
    }
}
