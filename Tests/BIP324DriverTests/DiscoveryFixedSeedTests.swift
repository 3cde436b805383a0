import Altstack
import BIP324DriverCore
import BitcoinPrimitives
import DriverProtocol
import Foundation
import JSON
import Testing
import TestSupport

/// Core's fixed-seed fallback, end to end, on mainnet settings but never off the machine: when
/// the DNS seed answers nothing, the fixed seeds go into the address manager after
/// `fixedseedsdelay`; behind a proxy (integration/socks5_proxy.py refusing every real-world
/// destination) they are dialled through it, Tor v3 seeds included.
@Suite(.serialized) struct DiscoveryFixedSeedTests {
    static func config(_ options: [String: JSONValue]) throws -> DriverConfig {
        var config = try DiscoveryLoopbackTests.config(options)
        config.network = "main"
        return config
    }

    @Test func emptyDNSAnswerThenFixedSeedsAfterTheDelay() async throws {
        let before = ChildProcesses.descendants()
        let (dns, dnsPort) = try await DiscoveryNetworkTests.dnsSeed([])  // knows the name, has no address
        defer { dns.kill() }
        let dir = try TempDir()
        defer { dir.cleanup() }
        let options: [String: JSONValue] = [
            "seeds": .string(DiscoveryNetworkTests.seed), "resolver": .string("127.0.0.1:\(dnsPort)"), "fixedseedsdelay": .int(3),
            // No dial: the fixed seeds are real-world addresses; the proxy test dials them (through the proxy).
            "maxoutbound": .int(0), "datadir": .string(dir.path),
        ]
        let started = ContinuousClock.now
        try await DriverFixture.withDriver(try Self.config(options)) { altstack, events in
            #expect(await altstack.waitUntilReady())
            #expect(await events.waitForLog(["dns seed \(DiscoveryNetworkTests.seed): 0 addresses"]) != nil)
            let line = try #require(await events.waitForLog(["fixed seeds:", "no address for ipv4,ipv6"], timeout: .seconds(30)))
            print("\(line) (\(ContinuousClock.now - started) after start)")
            #expect(line.contains("of \(FixedSeedTests.mainCount.ipv4 + FixedSeedTests.mainCount.ipv6) added"), "Tor v3 seeds added without a proxy: \(line)")
            #expect(ContinuousClock.now - started >= .seconds(3))
        }
        #expect(dns.events("query").contains { $0["name"] as? String == DiscoveryNetworkTests.seed && $0["answers"] as? Int == 0 })
        // Not before the DNS seed was asked, and only once.
        dns.kill()
        let left = await ChildProcesses.leftovers(since: before)
        #expect(left.isEmpty, "left running: \(left)")
    }

    @Test func behindAProxyTheFixedSeedsAreDialledThroughIt() async throws {
        let before = ChildProcesses.descendants()
        let proxy = try JSONLinesChild.python("socks5_proxy.py", ["--deny-unmapped"])
        defer { proxy.kill() }
        let listening = try await proxy.waitFor(timeout: .seconds(20)) { $0["event"] as? String == "listening" }
        let proxyPort = try #require(listening["port"] as? Int)
        let dir = try TempDir()
        defer { dir.cleanup() }
        let options: [String: JSONValue] = [
            "proxy": .string("127.0.0.1:\(proxyPort)"), "seeds": .string(DiscoveryNetworkTests.seed), "fixedseedsdelay": .int(2),
            "maxoutbound": .int(4), "datadir": .string(dir.path),
        ]
        let fixed = Set(SeedList.fixedSeeds(network: .main, port: 8333))
        func fixedConnects() -> [[String: Any]] {
            proxy.events("connect").filter { event in
                guard let host = event["host"] as? String, let port = event["port"] as? Int else { return false }
                return PeerAddress(host: host, port: UInt16(clamping: port)).map(fixed.contains) ?? false
            }
        }
        try await DriverFixture.withDriver(try Self.config(options)) { altstack, events in
            #expect(await altstack.waitUntilReady())
            let line = try #require(await events.waitForLog(["fixed seeds:", "no address for ipv4,ipv6,onion"], timeout: .seconds(40)))
            #expect(line.contains("of \(fixed.count) added"), "\(line)")
            #expect(await eventually(timeout: .seconds(30), every: .milliseconds(200)) { fixedConnects().count >= 4 })
        }
        let connects = proxy.events("connect")
        // The seed by name through the proxy (refused here), then fixed seeds; nothing else, nothing relayed out.
        #expect(connects.contains { $0["host"] as? String == DiscoveryNetworkTests.seed && $0["atyp"] as? String == "domain" })
        let others = connects.filter { $0["host"] as? String != DiscoveryNetworkTests.seed }
        #expect(others.count == fixedConnects().count, "CONNECTs to other hosts: \(others)")
        #expect(connects.allSatisfy { $0["ok"] as? Bool == false })
        print("proxy: \(connects.count) CONNECTs, \(fixedConnects().count) to fixed seeds (\(fixedConnects().filter { ($0["host"] as? String ?? "").hasSuffix(".onion") }.count) .onion)")
        proxy.kill()
        let left = await ChildProcesses.leftovers(since: before)
        #expect(left.isEmpty, "left running: \(left)")
    }
}
