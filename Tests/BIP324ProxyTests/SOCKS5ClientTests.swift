import Testing
@testable import BIP324ProxyCore

/// The driver's SOCKS5 client against the proxy's own SOCKS5 server (both sans I/O), and against
/// refusals and junk.
@Suite struct SOCKS5ClientTests {
    /// Runs client and server against each other, byte by byte when `drip`.
    static func negotiate(_ destination: ProxyDestination, drip: Bool) -> (ProxyDestination?, [UInt8]) {
        var client = SOCKS5Client(destination: destination)
        var server = SOCKS5Server()
        var toServer = client.greeting()
        var asked: ProxyDestination?
        for _ in 0..<10 {
            var toClient: [UInt8] = []
            let chunks: [[UInt8]] = drip ? toServer.map { [$0] } : [toServer]
            toServer = []
            for chunk in chunks {
                switch server.receive(chunk) {
                case .needMore(let reply): toClient += reply
                case .connect(let d, let reply, _):
                    asked = d
                    toClient += reply + SOCKS5Server.reply(.succeeded) + [0xAA, 0xBB]  // first tunnelled bytes
                case .refuse(let reason, _): Issue.record("server refused: \(reason)"); return (nil, [])
                }
            }
            for chunk in (drip ? toClient.map { [$0] } : [toClient]) where !chunk.isEmpty {
                switch client.receive(chunk) {
                case .needMore(let send): toServer += send
                case .connected(let leftover): return (asked, leftover)
                case .failed(let reason): Issue.record("client failed: \(reason)"); return (nil, [])
                }
            }
        }
        return (asked, [])
    }

    @Test func connectsByNameAndByAddress() {
        let onion = ProxyDestination(host: .domain("pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion"), port: 8333)
        let seed = ProxyDestination(host: .domain("seed.altnet.test"), port: 18444)
        let v4 = ProxyDestination(host: .ipv4([127, 3, 0, 1]), port: 18444)
        let v6 = ProxyDestination(host: .ipv6([UInt8](repeating: 0, count: 15) + [1]), port: 1)
        for d in [onion, seed, v4, v6] {
            let (asked, leftover) = Self.negotiate(d, drip: false)
            #expect(asked == d)
            #expect(leftover == [0xAA, 0xBB])
            #expect(Self.negotiate(d, drip: true).0 == d)
        }
    }

    @Test func refusalsAndJunkFail() {
        let d = ProxyDestination(host: .domain("x.onion"), port: 9)
        var wantsAuth = SOCKS5Client(destination: d)
        #expect(wantsAuth.receive([5, 2]) != .needMore(send: []))
        if case .failed = wantsAuth.receive([]) {} else { Issue.record("negotiation not over after a refusal") }
        var refused = SOCKS5Client(destination: d)
        #expect(refused.receive([5, 0]) == .needMore(send: refused.request()))
        let result = refused.receive(SOCKS5Server.reply(.hostUnreachable))
        guard case .failed(let reason) = result else { Issue.record("\(result)"); return }
        #expect(reason.contains("hostUnreachable"))
        var junk = SOCKS5Client(destination: d)
        if case .failed = junk.receive([4, 0]) {} else { Issue.record("SOCKS4 answer accepted") }
        var flood = SOCKS5Client(destination: d)
        _ = flood.receive([5, 0])
        if case .failed = flood.receive([UInt8](repeating: 5, count: 100_000)) {} else { Issue.record("100 kB reply buffered") }
    }
}
