import AddressManager
import BitcoinPrimitives

/// BIP155 addresses: `addr` and `addrv2` lists, Tor v3 names and address text, which come from
/// peers (gossip) and operators (options); and the BIP324 driver's `addrman.dat` loader, which
/// reads whatever is on disk.
enum AddressFuzz {
    /// Selector 18: a mode byte, then the input.
    static func run(_ input: inout FuzzInput) {
        let mode = input.byte()
        let bytes = input.remaining()
        switch mode % 4 {
        case 0: list(bytes, v2: true)
        case 1: list(bytes, v2: false)
        case 2: text(String(decoding: bytes.prefix(512), as: UTF8.self))
        default: addressFile(bytes, sealed: mode & 0x80 != 0)
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

    /// The loader refuses or loads, never traps; what loads writes back to a file that loads the
    /// same. `sealed` appends a valid checksum so the parser behind it is reached.
    static func addressFile(_ bytes: [UInt8], sealed: Bool) {
        var input = bytes
        if sealed { input = Array("ALTNADDR".utf8) + [AddressManager.fileVersion] + bytes; input += Hashes.sha256d(input) }
        guard let loaded = try? AddressManager(serialized: input) else { return }
        FuzzTargets.check(loaded.count <= loaded.config.capacity, "\(loaded.count) addresses loaded")
        let again = try? AddressManager(serialized: loaded.serialized())
        FuzzTargets.check(again?.serialized() == loaded.serialized(), "addrman.dat does not survive a write and a load")
    }
}
