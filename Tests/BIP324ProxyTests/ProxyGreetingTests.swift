import BIP324DriverCore
import BIP324ProxyCore
import BitcoinPrimitives
import Testing

/// First-bytes sniffing and the three ways to learn the destination.
@Suite struct ProxyGreetingTests {
    static let networks: [(String, NetworkMagic)] = [
        ("main", .main), ("testnet3", .testnet3), ("testnet4", .testnet4), ("signet", .signet), ("regtest", .regtest),
    ]

    /// A v1 version message whose addr_recv is `ip:port`.
    static func version(magic: NetworkMagic, ip: IPAddress, port: UInt16) -> [UInt8] {
        let version = VersionMessage(
            version: 70016, services: 1 << 3, timestamp: 1_700_000_000,
            receiver: NetworkAddress(services: 0, ip: ip, port: port),
            sender: NetworkAddress(services: 0, ip: .unspecified, port: 0), nonce: 42,
            userAgent: Array("/test/".utf8), startHeight: 0, relay: true)
        var w = ByteWriter()
        version.write(to: &w)
        return P2PFrame(command: .version, payload: w.bytes).encoded(magic: magic)
    }

    @Test(arguments: networks.map(\.1))
    func v1ClientByMagicOnAMappedPort(magic: NetworkMagic) {
        let mapped = ProxyDestination(host: .domain("peer.example"), port: 8333)
        var greeting = ProxyGreeting(magic: magic, mapped: mapped)
        let bytes = Self.version(magic: magic, ip: .unspecified, port: 0)
        #expect(greeting.receive(Array(bytes[..<2])) == .needMore(reply: []))
        #expect(greeting.receive(Array(bytes[2...])) == .route(mapped, method: .map, reply: [], clientBytes: bytes))
    }

    @Test(arguments: networks.map(\.1))
    func socks5ByFirstByte(magic: NetworkMagic) {
        var greeting = ProxyGreeting(magic: magic, mapped: nil)
        #expect(greeting.receive([5, 1, 0]) == .needMore(reply: [5, 0]))
        let step = greeting.receive([5, 1, 0, 1, 203, 0, 113, 5, 0x20, 0x8D])
        #expect(step == .route(ProxyDestination(host: .ipv4([203, 0, 113, 5]), port: 8333), method: .socks5, reply: [], clientBytes: []))
    }

    @Test func socks5WinsOverTheMap() {
        var greeting = ProxyGreeting(magic: .regtest, mapped: ProxyDestination(host: .domain("x"), port: 1))
        #expect(greeting.receive([5, 1, 0, 5, 1, 0, 1, 1, 2, 3, 4, 0, 9]) ==
            .route(ProxyDestination(host: .ipv4([1, 2, 3, 4]), port: 9), method: .socks5, reply: [5, 0], clientBytes: []))
    }

    @Test func addrRecvIPv4Mapped() {
        var greeting = ProxyGreeting(magic: .signet, mapped: nil)
        let bytes = Self.version(magic: .signet, ip: IPAddress(ipv4: 198, 51, 100, 7), port: 38333)
        var step = ProxyGreeting.Step.needMore(reply: [])
        for byte in bytes { step = greeting.receive([byte]) }
        #expect(step == .route(ProxyDestination(host: .ipv4([198, 51, 100, 7]), port: 38333), method: .addrRecv, reply: [], clientBytes: bytes))
    }

    @Test func addrRecvIPv6() throws {
        var greeting = ProxyGreeting(magic: .main, mapped: nil)
        let ip = try IPAddress(bytes: Array(repeating: 0, count: 15) + [1])
        let bytes = Self.version(magic: .main, ip: ip, port: 8333)
        guard case .route(let destination, .addrRecv, _, _) = greeting.receive(bytes) else {
            Issue.record("expected a route")
            return
        }
        #expect(destination.description == "[::1]:8333")
    }

    @Test func emptyAddrRecvIsRefusedWithAHint() {
        var greeting = ProxyGreeting(magic: .regtest, mapped: nil)
        guard case .refuse(let reason, let reply) = greeting.receive(Self.version(magic: .regtest, ip: .unspecified, port: 0)) else {
            Issue.record("expected a refusal")
            return
        }
        #expect(reply.isEmpty)
        #expect(reason.contains("addr_recv is empty") && reason.contains("SOCKS5"))
    }

    @Test func firstMessageNotVersion() {
        var greeting = ProxyGreeting(magic: .regtest, mapped: nil)
        let ping = P2PFrame(command: .ping, payload: [UInt8](repeating: 1, count: 8)).encoded(magic: .regtest)
        guard case .refuse(let reason, _) = greeting.receive(ping) else {
            Issue.record("expected a refusal")
            return
        }
        #expect(reason.contains("not version"))
    }

    @Test func garbageIsRefusedAtTheFirstWrongByte() {
        for garbage: [[UInt8]] in [[[0x16, 0x03, 0x01, 0x00]], [[0xfa], [0xbf], [0x00]], [Array("GET / HTTP/1.1\r\n".utf8)]] {
            var greeting = ProxyGreeting(magic: .regtest, mapped: nil)
            var last = ProxyGreeting.Step.needMore(reply: [])
            for chunk in garbage { last = greeting.receive(chunk) }
            guard case .refuse(let reason, _) = last else {
                Issue.record("expected a refusal for \(garbage)")
                continue
            }
            #expect(reason.contains("neither SOCKS5"))
        }
    }

    @Test func otherNetworksMagicIsGarbage() {
        var greeting = ProxyGreeting(magic: .main, mapped: nil)
        guard case .refuse = greeting.receive(NetworkMagic.regtest.wireBytes) else {
            Issue.record("regtest magic accepted by a mainnet proxy")
            return
        }
    }

    @Test func oversizedVersionIsRefusedBeforeItArrives() {
        var header = NetworkMagic.regtest.wireBytes + P2PCommand.version.wireField
        header += [0, 0, 0x10, 0] + [0, 0, 0, 0]
        var greeting = ProxyGreeting(magic: .regtest, mapped: nil)
        guard case .refuse(let reason, _) = greeting.receive(header) else {
            Issue.record("expected a refusal")
            return
        }
        #expect(reason.contains("exceeds"))
    }
}
