import BIP324ProxyCore
import Foundation
import Testing
import TestSupport

/// What the proxy does with clients it cannot serve: SOCKS5 error replies with RFC 1928's
/// codes, and a logged close for garbage.
@Suite(.serialized) struct ProxyRefusalTests {
    static let noAuth: [UInt8] = [5, 1, 0]

    @Test func connectionRefusedGetsReply5() async throws {
        let (proxy, port) = try await ProxyFixture.proxy()
        defer { proxy.kill() }
        let closed = try FreePort.loopback()
        let request = Self.noAuth + [5, 1, 0, 1, 127, 0, 0, 1, UInt8(closed >> 8), UInt8(closed & 0xFF)]
        let answer = try await RawSocket.exchange(port: port, send: request)
        #expect(Array(answer.bytes.prefix(2)) == [5, 0])
        #expect(answer.bytes.count == 12)
        #expect(answer.bytes.dropFirst(2).prefix(2).elementsEqual([5, 5]))
        #expect(answer.closed)
        #expect(await proxy.waitForLog(["cannot connect to 127.0.0.1:\(closed)"]) != nil)
    }

    @Test func unresolvableHostGetsReply4() async throws {
        let (proxy, port) = try await ProxyFixture.proxy()
        defer { proxy.kill() }
        let name = Array("no-such-host.invalid".utf8)
        let answer = try await RawSocket.exchange(port: port, send: Self.noAuth + [5, 1, 0, 3, UInt8(name.count)] + name + [0x20, 0x8D])
        #expect(answer.bytes.count == 12)
        #expect(answer.bytes.count == 12 && answer.bytes[3] == 4)
        #expect(answer.closed)
    }

    @Test func bindCommandGetsReply7AndUnknownAddressTypeReply8() async throws {
        let (proxy, port) = try await ProxyFixture.proxy()
        defer { proxy.kill() }
        let bind = try await RawSocket.exchange(port: port, send: Self.noAuth + [5, 2, 0, 1, 127, 0, 0, 1, 0, 80])
        #expect(bind.bytes == [5, 0, 5, 7, 0, 1, 0, 0, 0, 0, 0, 0])
        #expect(bind.closed)
        let atyp = try await RawSocket.exchange(port: port, send: Self.noAuth + [5, 1, 0, 9, 0, 0])
        #expect(atyp.bytes == [5, 0, 5, 8, 0, 1, 0, 0, 0, 0, 0, 0])
        let methods = try await RawSocket.exchange(port: port, send: [5, 1, 0x80])
        #expect(methods.bytes == [5, 0xFF])
        #expect(methods.closed)
    }

    @Test func garbageFirstBytesAreClosedWithAReason() async throws {
        let metricsPort = try FreePort.loopback()
        let (proxy, port) = try await ProxyFixture.proxy(["--metrics", "127.0.0.1:\(metricsPort)"])
        defer { proxy.kill() }
        let tls = try await RawSocket.exchange(port: port, send: [0x16, 0x03, 0x01, 0x02, 0x00, 0x01])
        #expect(tls.bytes.isEmpty)
        #expect(tls.closed)
        #expect(await proxy.waitForLog(["first bytes 160301020001", "neither SOCKS5"]) != nil)
        // A v2 client (64 random-looking bytes) is not a v1 client either.
        let v2 = try await RawSocket.exchange(port: port, send: [0x8A] + [UInt8](repeating: 0x33, count: 63))
        #expect(v2.closed)
        // The proxy keeps serving: a SOCKS5 client right after still gets its method reply.
        let after = try await RawSocket.exchange(port: port, send: [5, 1, 0], expect: 2)
        #expect(after.bytes == [5, 0])
        let page = try await httpGet(port: metricsPort, path: "/metrics")
        #expect(page.contains(#"altnet_proxy_refused_total{stage="greeting"} 2"#))
    }

    @Test func addrRecvLeftEmptyIsClosedWithAHint() async throws {
        let (proxy, port) = try await ProxyFixture.proxy()
        defer { proxy.kill() }
        let client = try ChildProcess.python("bip324_proxy_client.py", ["--proxy", "127.0.0.1:\(port)", "--via", "map"])
        defer { client.kill() }
        try await client.waitFor { $0["event"] as? String == "error" }
        #expect(await proxy.waitForLog(["addr_recv is empty", "use SOCKS5 or --map"]) != nil)
    }
}
