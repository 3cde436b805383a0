import Altstack
import DriverProtocol
import Foundation
import Testing
import TestSupport

/// `proxy=`: every request goes through a SOCKS5 proxy (integration/socks5_proxy.py), which is
/// handed the server's name to resolve (as Tor needs for .onion addresses).
@Suite(.serialized) struct EsploraProxyTests {
    @Test func requestsGoThroughTheSOCKS5Proxy() async throws {
        let file = try MainnetHeaders.load()
        let (server, url) = try await EsploraFixture.mainnetServer()
        defer { server.kill() }
        let proxy = try JSONLinesChild.python("socks5_proxy.py", [])
        defer { proxy.kill() }
        let listening = try await proxy.waitFor(timeout: .seconds(20)) { $0["event"] as? String == "listening" }
        let proxyPort = try #require(listening["port"] as? Int)
        // A name, not an address: the proxy resolves it.
        let named = url.replacingOccurrences(of: "127.0.0.1", with: "localhost")
        let serverPort = try #require(URLComponents(string: url)?.port)
        let config = try EsploraFixture.config(urls: [named], extra: ["proxy": .string("127.0.0.1:\(proxyPort)")])
        try await EsploraFixture.withDriver(config) { supervisor, _ in
            let headers = try await EsploraFixture.getHeaders(supervisor, peer: named, locator: [file[0].hash])
            #expect(headers.count == 2000 && headers.last?.hash == file[2000].hash)
        }
        let connects = proxy.events("connect")
        #expect(!connects.isEmpty, "no CONNECT reached the proxy")
        #expect(connects.allSatisfy { $0["host"] as? String == "localhost" && $0["port"] as? Int == serverPort && $0["atyp"] as? String == "domain" },
                "\(connects)")
    }
}
