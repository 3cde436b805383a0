import BIP324ProxyCore
import Foundation
import Testing
import TestSupport

/// The proxy as a process, carrying verystable's v1 messages from a v1-only client to a real
/// BIP324 v2 listener (verystable's v2_p2p), through each routing method.
@Suite(.serialized) struct ProxyInteropTests {
    @Test func socks5() async throws {
        let (remote, remotePort, block) = try await ProxyFixture.remote("serve")
        defer { remote.kill() }
        let (proxy, port) = try await ProxyFixture.proxy()
        defer { proxy.kill() }
        let client = try await ProxyFixture.client(
            ["--proxy", "127.0.0.1:\(port)", "--via", "socks5", "--dest", "127.0.0.1:\(remotePort)", "--block", block ?? ""])
        defer { client.kill() }
        #expect(client.events("socks_reply").first?["code"] as? Int == 0)
        try await ProxyFixture.expectIntact(client: client, remote: remote, block: block)
        #expect(await proxy.waitForLog(["by socks5"]) != nil)
        #expect(await proxy.waitForLog(["encrypted (BIP324 v2)"]) != nil)
    }

    /// bitcoind's `-proxy=` sends hostnames as SOCKS5 domain names (ATYP 3); the proxy resolves them.
    @Test func socks5WithAHostname() async throws {
        let (remote, remotePort, _) = try await ProxyFixture.remote("serve")
        defer { remote.kill() }
        let (proxy, port) = try await ProxyFixture.proxy()
        defer { proxy.kill() }
        let client = try await ProxyFixture.client(
            ["--proxy", "127.0.0.1:\(port)", "--via", "socks5", "--dest", "localhost:\(remotePort)"])
        defer { client.kill() }
        try await ProxyFixture.expectIntact(client: client, remote: remote, block: nil)
        #expect(await proxy.waitForLog(["-> localhost:\(remotePort) (by socks5)"]) != nil)
    }

    @Test func staticMap() async throws {
        let (remote, remotePort, block) = try await ProxyFixture.remote("serve")
        defer { remote.kill() }
        let local = try FreePort.loopback()
        let (proxy, _) = try await ProxyFixture.proxy(["--map", "127.0.0.1:\(local)=127.0.0.1:\(remotePort)"])
        defer { proxy.kill() }
        try await RawSocket.waitUntilListening(port: local)
        let client = try await ProxyFixture.client(["--proxy", "127.0.0.1:\(local)", "--via", "map", "--block", block ?? ""])
        defer { client.kill() }
        try await ProxyFixture.expectIntact(client: client, remote: remote, block: block)
        #expect(await proxy.waitForLog(["by map"]) != nil)
    }

    @Test func addrRecv() async throws {
        let (remote, remotePort, block) = try await ProxyFixture.remote("serve")
        defer { remote.kill() }
        let (proxy, port) = try await ProxyFixture.proxy()
        defer { proxy.kill() }
        let client = try await ProxyFixture.client(
            ["--proxy", "127.0.0.1:\(port)", "--via", "addr_recv", "--dest", "127.0.0.1:\(remotePort)", "--block", block ?? ""])
        defer { client.kill() }
        try await ProxyFixture.expectIntact(client: client, remote: remote, block: block)
        #expect(await proxy.waitForLog(["by addr_recv"]) != nil)
    }

    @Test func ipv6EndToEnd() async throws {
        let (remote, remotePort, block) = try await ProxyFixture.remote("serve", host: "::1")
        defer { remote.kill() }
        let (proxy, port) = try await ProxyFixture.proxy(host: "::1")
        defer { proxy.kill() }
        let client = try await ProxyFixture.client(
            ["--proxy", "[::1]:\(port)", "--via", "socks5", "--dest", "[::1]:\(remotePort)", "--block", block ?? ""])
        defer { client.kill() }
        try await ProxyFixture.expectIntact(client: client, remote: remote, block: block)
        #expect(await proxy.waitForLog(["-> [::1]:\(remotePort) (by socks5)"]) != nil)
    }

    /// Another network's magic end to end (the v2 keys are salted with it; v1 frames carry it).
    @Test func mainnetMagic() async throws {
        let (remote, remotePort, _) = try await ProxyFixture.remote("serve", net: "mainnet")
        defer { remote.kill() }
        let (proxy, port) = try await ProxyFixture.proxy(network: "main")
        defer { proxy.kill() }
        let client = try await ProxyFixture.client(
            ["--proxy", "127.0.0.1:\(port)", "--via", "socks5", "--dest", "127.0.0.1:\(remotePort)", "--network", "main"])
        defer { client.kill() }
        try await ProxyFixture.expectIntact(client: client, remote: remote, block: nil)
    }

    @Test func v1FallbackAgainstAV1OnlyListener() async throws {
        let (remote, remotePort, _) = try await ProxyFixture.remote("v1only")
        defer { remote.kill() }
        let metricsPort = try FreePort.loopback()
        let (proxy, port) = try await ProxyFixture.proxy(["--v1-fallback", "--metrics", "127.0.0.1:\(metricsPort)"])
        defer { proxy.kill() }
        let client = try await ProxyFixture.client(
            ["--proxy", "127.0.0.1:\(port)", "--via", "socks5", "--dest", "127.0.0.1:\(remotePort)"])
        defer { client.kill() }
        try await client.waitFor(event: "done")
        #expect(client.events("headers").first?["count"] as? Int == 2000)
        #expect(client.events("version").first?["user_agent"] as? String == "/verystable-v1-node/")
        try await remote.waitFor(event: "refused_non_v1")
        try await remote.waitFor(event: "v1_getheaders")
        #expect(await proxy.waitForLog(["falling back to v1"]) != nil)
        #expect(await proxy.waitForLog(["PLAINTEXT v1 (--v1-fallback)"]) != nil)
        let page = try await httpGet(port: metricsPort, path: "/metrics")
        #expect(page.contains("altnet_proxy_v1_fallbacks_total 1"))
        #expect(page.contains(#"altnet_proxy_connections_total{transport="v1"} 1"#))
        #expect(page.contains(#"altnet_proxy_connections_total{transport="v2"} 0"#))
    }

    @Test func withoutFallbackAV1OnlyListenerIsNotReached() async throws {
        let (remote, remotePort, _) = try await ProxyFixture.remote("v1only")
        defer { remote.kill() }
        let (proxy, port) = try await ProxyFixture.proxy()
        defer { proxy.kill() }
        let client = try ChildProcess.python("bip324_proxy_client.py",
            ["--proxy", "127.0.0.1:\(port)", "--via", "socks5", "--dest", "127.0.0.1:\(remotePort)"])
        defer { client.kill() }
        let error = try await client.waitFor(timeout: .seconds(60)) { $0["event"] as? String == "error" || $0["event"] as? String == "done" }
        #expect(error["event"] as? String == "error")
        try await remote.waitFor(event: "refused_non_v1")
        #expect(remote.events("v1_version").isEmpty)
        #expect(await proxy.waitForLog(["closed the connection"]) != nil)
    }

    @Test func metricsEndpointCountsMessagesByTypeAndDirection() async throws {
        let (remote, remotePort, block) = try await ProxyFixture.remote("serve")
        defer { remote.kill() }
        let metricsPort = try FreePort.loopback()
        let (proxy, port) = try await ProxyFixture.proxy(["--metrics", "127.0.0.1:\(metricsPort)"])
        defer { proxy.kill() }
        let client = try await ProxyFixture.client(
            ["--proxy", "127.0.0.1:\(port)", "--via", "socks5", "--dest", "127.0.0.1:\(remotePort)", "--block", block ?? ""])
        defer { client.kill() }
        try await ProxyFixture.expectIntact(client: client, remote: remote, block: block)
        let page = try await httpGet(port: metricsPort, path: "/metrics")
        #expect(page.hasPrefix("HTTP/1.1 200"))
        #expect(page.contains(#"altnet_proxy_connections_total{transport="v2"} 1"#))
        #expect(page.contains(#"altnet_proxy_routes_total{method="socks5"} 1"#))
        #expect(page.contains(#"altnet_proxy_messages_total{command="headers",direction="remote_to_client"} 1"#))
        #expect(page.contains(#"altnet_proxy_messages_total{command="headers",direction="client_to_remote"} 1"#))
        #expect(page.contains(#"altnet_proxy_messages_total{command="block",direction="remote_to_client"} 1"#))
        #expect(page.contains(#"altnet_proxy_message_bytes_total{command="headers",direction="remote_to_client"} 162003"#))
        #expect(page.contains(#"altnet_proxy_wire_bytes_total{side="remote",direction="in"}"#))
        let missing = try await httpGet(port: metricsPort, path: "/other")
        #expect(missing.hasPrefix("HTTP/1.1 404"))
    }
}
