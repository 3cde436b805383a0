import BIP324DriverCore
import BIP324ProxyCore
import Testing

/// RFC 1928 (and RFC 1929's username/password) server side, bytes in, bytes out.
@Suite struct SOCKS5ServerTests {
    static let noAuth: [UInt8] = [5, 1, 0]

    private func run(_ chunks: [[UInt8]]) -> [SOCKS5Server.Step] {
        var server = SOCKS5Server()
        return chunks.map { server.receive($0) }
    }

    @Test func connectIPv4() {
        let steps = run([Self.noAuth + [5, 1, 0, 1, 127, 0, 0, 1, 0x20, 0x8D] + [0xfa, 0xbf]])
        #expect(steps == [.connect(
            ProxyDestination(host: .ipv4([127, 0, 0, 1]), port: 8333), reply: [5, 0], leftover: [0xfa, 0xbf])])
    }

    @Test func connectIPv6() {
        let loopback: [UInt8] = Array(repeating: 0, count: 15) + [1]
        let steps = run([Self.noAuth, [5, 1, 0, 4] + loopback + [0x47, 0x9D]])
        let destination = ProxyDestination(host: .ipv6(loopback), port: 18333)
        #expect(steps == [.needMore(reply: [5, 0]), .connect(destination, reply: [], leftover: [])])
        #expect(destination.description == "[::1]:18333")
    }

    @Test func connectDomainOneByteAtATime() {
        let name = Array("seed.example.org".utf8)
        let bytes = Self.noAuth + [5, 1, 0, 3, UInt8(name.count)] + name + [0x20, 0x8D]
        var server = SOCKS5Server()
        var replies: [UInt8] = []
        var final: SOCKS5Server.Step?
        for byte in bytes {
            switch server.receive([byte]) {
            case .needMore(let reply): replies += reply
            case let other: final = other
            }
        }
        #expect(replies == [5, 0])
        #expect(final == .connect(ProxyDestination(host: .domain("seed.example.org"), port: 8333), reply: [], leftover: []))
    }

    @Test func usernamePasswordIsAcceptedLikeBitcoindsStreamIsolation() {
        // bitcoind -proxyrandomize offers no-auth and user/pass; a client offering only user/pass:
        let steps = run([[5, 1, 2], [1, 3] + Array("abc".utf8) + [2] + Array("xy".utf8), [5, 1, 0, 1, 10, 0, 0, 1, 0, 80]])
        #expect(steps[0] == .needMore(reply: [5, 2]))
        #expect(steps[1] == .needMore(reply: [1, 0]))
        #expect(steps[2] == .connect(ProxyDestination(host: .ipv4([10, 0, 0, 1]), port: 80), reply: [], leftover: []))
    }

    @Test func noAcceptableMethod() {
        guard case .refuse(let reason, let reply) = run([[5, 1, 0x80]])[0] else {
            Issue.record("expected a refusal")
            return
        }
        #expect(reply == [5, 0xFF])
        #expect(reason.contains("no acceptable method"))
    }

    @Test func bindAndUDPAreRefusedWithCommandNotSupported() {
        for command: UInt8 in [2, 3] {
            guard case .refuse(_, let reply) = run([Self.noAuth + [5, command, 0, 1, 1, 2, 3, 4, 0, 80]])[0] else {
                Issue.record("expected a refusal")
                continue
            }
            #expect(reply == [5, 0] + SOCKS5Server.reply(.commandNotSupported))
            #expect(reply[3] == 0x07)
        }
    }

    @Test func unknownAddressType() {
        guard case .refuse(_, let reply) = run([Self.noAuth + [5, 1, 0, 9, 0, 0]])[0] else {
            Issue.record("expected a refusal")
            return
        }
        #expect(reply == [5, 0] + SOCKS5Server.reply(.addressTypeNotSupported))
    }

    @Test func wrongVersionAndPortZero() {
        guard case .refuse(let reason, _) = run([[4, 1, 0]])[0] else {
            Issue.record("expected a refusal")
            return
        }
        #expect(reason.contains("SOCKS version 4"))
        guard case .refuse(_, let reply) = run([Self.noAuth + [5, 1, 0, 1, 1, 2, 3, 4, 0, 0]])[0] else {
            Issue.record("expected a refusal")
            return
        }
        #expect(reply.suffix(10) == SOCKS5Server.reply(.hostUnreachable)[...])
    }

    @Test func replyLayout() {
        #expect(SOCKS5Server.reply(.succeeded) == [5, 0, 0, 1, 0, 0, 0, 0, 0, 0])
        #expect(SOCKS5Server.reply(.connectionRefused)[1] == 5)
    }

    @Test func ipv6Text() {
        #expect(ProxyHost.ipv6([0x20, 0x01, 0x0d, 0xb8] + Array(repeating: 0, count: 11) + [1]).connectHost == "2001:db8::1")
        #expect(ProxyHost.ipv6(Array(repeating: 0, count: 16)).connectHost == "::")
        #expect(ProxyHost.ipv6([0, 1] + Array(repeating: 0, count: 12) + [0, 2]).connectHost == "1::2")
    }
}
