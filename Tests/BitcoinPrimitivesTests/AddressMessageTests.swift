import Testing
@testable import BitcoinPrimitives

/// BIP155 (`addrv2`, `sendaddrv2`), v1 `addr`, `getaddr`, Tor v3 names and SHA3-256.
@Suite struct AddressMessageTests {
    static func hex(_ s: String) -> [UInt8] { (try? Hex.decode(s)) ?? [] }

    /// FIPS 202 SHA3-256 sample values (NIST "SHA3-256" example values: empty message, "abc",
    /// and 200 bytes of 0xa3, which spans two 136-byte blocks); also what Python's hashlib prints.
    @Test func sha3Vectors() {
        #expect(Hex.encode(SHA3_256.hash([])) == "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a")
        #expect(Hex.encode(SHA3_256.hash(Array("abc".utf8))) == "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532")
        #expect(Hex.encode(SHA3_256.hash([UInt8](repeating: 0xa3, count: 200))) == "79f38adec5c20307a98ef76e8324afbfd46cfd81b22e3973c65fa1bd9de31787")
    }

    /// Bitcoin Core src/test/net_tests.cpp (cnetaddr_unserialize_v2 and the TORv3 string tests):
    /// this key is `pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion`.
    @Test func torV3NameFromCoresVector() throws {
        let key = Self.hex("79bcc625184b05194975c28b66b66b0469f7f6556fb1ac3189a79b40dda32f1f")
        let name = "pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion"
        #expect(TorV3Name.name(publicKey: key) == name)
        #expect(TorV3Name.publicKey(name: name) == key)
        #expect(TorV3Name.publicKey(name: name.uppercased()) == key)
        // Checksum, version, length and suffix are all checked.
        var chars = Array(name)
        chars[53] = chars[53] == "a" ? "b" : "a"  // inside the checksum/version characters
        #expect(TorV3Name.publicKey(name: String(chars)) == nil)
        chars = Array(name)
        chars[0] = chars[0] == "a" ? "b" : "a"  // the key: the checksum no longer matches
        #expect(TorV3Name.publicKey(name: String(chars)) == nil)
        #expect(TorV3Name.publicKey(name: String(name.dropFirst())) == nil)
        #expect(TorV3Name.publicKey(name: String(name.dropLast(6))) == nil)
        #expect(TorV3Name.publicKey(name: "6hzph5hv6337r6p2.onion") == nil)  // TORv2: gone
        let address = try #require(PeerAddress(host: name, port: 8333))
        #expect(address.network == .torV3 && address.bytes == key && address.description == "\(name):8333")
    }

    @Test func base32RoundTripsAndRefusesJunk() {
        for n in 0..<40 {
            let bytes = (0..<n).map { UInt8(truncatingIfNeeded: $0 * 37 + 11) }
            #expect(Base32.decode(Base32.encode(bytes)) == bytes)
        }
        #expect(Base32.encode(Array("foobar".utf8)) == "mzxw6ytboi")  // RFC 4648 section 10, lower case, no padding
        #expect(Base32.decode("mzxw6ytb0i") == nil)
        #expect(Base32.decode("mzxw6ytboj") == nil)  // leftover bits not zero
    }

    /// A BIP155 `addrv2` payload written out by hand from the BIP's table: one entry per network,
    /// an unknown network id (skipped), a TORv2 entry (id 3, 10 bytes: skipped as Core 22+ does).
    @Test func addrv2DecodesEveryNetworkAndSkipsUnknown() throws {
        var w = ByteWriter()
        w.writeCompactSize(7)
        func entry(_ id: UInt8, _ bytes: [UInt8], port: UInt16, services: UInt64 = 1033) {
            w.writeLE(UInt32(1_700_000_000))
            w.writeCompactSize(services)
            w.writeUInt8(id)
            w.writeVarBytes(bytes)
            w.writeBE(port)
        }
        entry(1, [1, 2, 3, 4], port: 8333)
        entry(2, Self.hex("20010db8000000000000000000000001"), port: 8334)
        entry(3, [UInt8](repeating: 1, count: 10), port: 1)
        entry(4, Self.hex("79bcc625184b05194975c28b66b66b0469f7f6556fb1ac3189a79b40dda32f1f"), port: 8333, services: 1 << 62)
        entry(5, [UInt8](repeating: 0xaa, count: 32), port: 0)
        entry(6, Self.hex("fc000000000000000000000000000001"), port: 8333)
        entry(42, [UInt8](repeating: 9, count: 300), port: 7)
        let message = try P2PMessage.decode(command: .addrv2, payload: w.bytes)
        guard case .addrv2(let list) = message else { Issue.record("decoded as \(message)"); return }
        #expect(list.map(\.address.network) == [.ipv4, .ipv6, .torV3, .i2p, .cjdns])
        #expect(list[0].address.description == "1.2.3.4:8333")
        #expect(list[1].address.description == "[2001:db8:0:0:0:0:0:1]:8334")
        #expect(list[2].services == 1 << 62 && list[2].time == 1_700_000_000)
        #expect(list[3].address.host.hasSuffix(".b32.i2p"))
        // Re-encoding keeps the known entries only.
        let again = try P2PMessage.decode(command: .addrv2, payload: message.encodePayload())
        #expect(again == message)
    }

    @Test func addrv2RefusesWrongLengthsAndOversizedLists() {
        var w = ByteWriter()
        w.writeCompactSize(1)
        w.writeLE(UInt32(0)); w.writeCompactSize(0); w.writeUInt8(1); w.writeVarBytes([1, 2, 3]); w.writeBE(UInt16(1))
        #expect(throws: DecodingError.self) { try P2PMessage.decode(command: .addrv2, payload: w.bytes) }
        // An address longer than 512 bytes, even of an unknown network.
        var long = ByteWriter()
        long.writeCompactSize(1)
        long.writeLE(UInt32(0)); long.writeCompactSize(0); long.writeUInt8(99)
        long.writeVarBytes([UInt8](repeating: 0, count: 513)); long.writeBE(UInt16(1))
        #expect(throws: DecodingError.self) { try P2PMessage.decode(command: .addrv2, payload: long.bytes) }
        // 1,001 entries: refused on the count, before any entry is read.
        for command in [P2PCommand.addr, .addrv2] {
            var many = ByteWriter()
            many.writeCompactSize(1001)
            many.writeBytes([UInt8](repeating: 0, count: 1001 * 30))
            do {
                _ = try P2PMessage.decode(command: command, payload: many.bytes)
                Issue.record("\(command) with 1,001 entries decoded")
            } catch {
                #expect(error.kind == .tooLarge(field: command.name, value: 1001, limit: 1000))
            }
        }
    }

    @Test func v1AddrMapsIPv4AndDropsWhatItCannotCarry() throws {
        let entries = [
            AddressEntry(time: 5, services: 1, address: PeerAddress(ipv4: 127, 1, 0, 1, port: 18444)),
            AddressEntry(time: 6, services: 8, address: try PeerAddress(network: .torV3, bytes: [UInt8](repeating: 3, count: 32), port: 1)),
            AddressEntry(time: 7, services: 9, address: try #require(PeerAddress(host: "2001:db8::2", port: 9))),
        ]
        let payload = P2PMessage.addr(entries).encodePayload()
        #expect(payload.count == 1 + 2 * 30)
        // The IPv4 entry is IPv4-mapped IPv6 on the wire (::ffff:127.1.0.1).
        #expect(Array(payload[13..<29]) == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 1, 0, 1])
        let decoded = try P2PMessage.decode(command: .addr, payload: payload)
        #expect(decoded == .addr([entries[0], entries[2]]))
    }

    @Test func emptyMessagesAndHostText() throws {
        #expect(try P2PMessage.decode(command: .getaddr, payload: []) == .getaddr)
        #expect(throws: DecodingError.self) { try P2PMessage.decode(command: .getaddr, payload: [0]) }
        #expect(try P2PMessage.decode(command: .sendaddrv2, payload: []) == .sendaddrv2)
        #expect(PeerAddress(host: "::ffff:10.0.0.1", port: 1)?.network == .ipv4)
        #expect(PeerAddress(host: "::1", port: 1)?.bytes == [UInt8](repeating: 0, count: 15) + [1])
        #expect(PeerAddress(host: "1:2:3:4:5:6:7:8", port: 1)?.host == "1:2:3:4:5:6:7:8")
        for bad in ["seed.example", "1.2.3", "1.2.3.256", "1::2::3", "12345::", "1:2:3:4:5:6:7:8:9", ""] {
            #expect(PeerAddress(host: bad, port: 1) == nil, "\(bad)")
        }
    }
}
