import Altstack
import BitcoinPrimitives
import DriverProtocol
import Foundation
import JSON
import Testing
import TestSupport

/// Issue #19's "It must show", behind a SOCKS5 proxy standing in for Tor
/// (integration/socks5_proxy.py, its outgoing side on 127.99.0.1): the seed is fetched by name
/// through the proxy (one-shot getaddr to a simnode), Tor v3 addresses learned from its addrv2
/// are dialled by name through the proxy, every connection goes through it, DNS is never asked.
@Suite(.serialized) struct DiscoveryProxyTests {
    static let proxyOut = "127.99.0.1"
    static let seedHost = "127.22.1.1"

    /// A Tor v3 name per simnode, first nibbles distinct (so distinct network groups).
    static func onionName(_ i: Int) -> String {
        TorV3Name.name(publicKey: [UInt8((i << 4) | i)] + [UInt8](repeating: UInt8(i + 1), count: 31))
    }

    /// The inbound connections a simnode logged, by source address.
    static func inboundSources(_ node: SimnodeChild) -> [String] {
        node.child.stderr.split(separator: "\n").compactMap { line in
            guard line.contains("connected from"), line.contains("(inbound)") else { return nil }
            return line.components(separatedBy: "connected from ").last?.components(separatedBy: " ").first
        }
    }

    @Test func everyConnectionAndTheSeedGoThroughTheProxyAndOnionIsDialledByName() async throws {
        let before = ChildProcesses.descendants()
        let network = try await LoopbackNetwork.start(count: 11, alsoFreeOn: [Self.seedHost])
        defer { network.kill() }
        // The seed's node knows only Tor v3 names of the others (23% of 11: 2 are served).
        let seedNode = try await SimnodeChild.start(
            temporary: "proxyseed", .init(zmq: false, p2pPort: network.p2pPort, extra: ["--p2pbind", Self.seedHost, "--simaddrloopback"]))
        defer { seedNode.kill() }
        for i in 0..<11 {
            #expect(try await seedNode.rpc.addPeerAddress(Self.onionName(i), port: network.p2pPort))
        }
        let (dns, dnsPort) = try await DiscoveryNetworkTests.dnsSeed(network.hosts)
        defer { dns.kill() }
        let maps = [DiscoveryNetworkTests.seed + "=" + Self.seedHost] + (0..<11).map { Self.onionName($0) + "=" + network.hosts[$0] }
        let proxy = try JSONLinesChild.python("socks5_proxy.py", ["--bind-out", Self.proxyOut] + maps.flatMap { ["--map", $0] })
        defer { proxy.kill() }
        let listening = try await proxy.waitFor(timeout: .seconds(20)) { $0["event"] as? String == "listening" }
        let proxyPort = try #require(listening["port"] as? Int)
        let dir = try TempDir()
        defer { dir.cleanup() }
        let options: [String: JSONValue] = [
            "proxy": .string("127.0.0.1:\(proxyPort)"), "seeds": .string(DiscoveryNetworkTests.seed),
            "resolver": .string("127.0.0.1:\(dnsPort)"), "seedport": .int(Int64(network.p2pPort)),
            "testloopbackgroups": .bool(true), "datadir": .string(dir.path), "maxoutbound": .int(3),
        ]
        try await DriverFixture.withDriver(try DiscoveryLoopbackTests.config(options)) { altstack, events in
            #expect(await altstack.waitUntilReady())
            #expect(await events.waitForLog(["outbound 3/3 from 3 groups"], timeout: .seconds(90)) != nil)
            let listed = try #require(try await DiscoveryLoopbackTests.listPeers(altstack))
            let onion = listed.peers.filter { $0.network == "onion" }
            #expect(!onion.isEmpty, "no Tor v3 peer: \(listed.peers)")
            #expect(onion.allSatisfy { ($0.address ?? "").contains(".onion:") })
        }
        let connects = proxy.events("connect")
        // The seed: by name through the proxy, never a clear DNS query.
        #expect(connects.contains { $0["host"] as? String == DiscoveryNetworkTests.seed && $0["atyp"] as? String == "domain" && $0["ok"] as? Bool == true })
        #expect(dns.events("query").isEmpty, "DNS was asked: \(dns.events("query"))")
        // Tor v3: by name.
        #expect(connects.contains { ($0["host"] as? String ?? "").hasSuffix(".onion") && $0["atyp"] as? String == "domain" && $0["ok"] as? Bool == true })
        // Every connection any node saw came from the proxy, and each CONNECT reached a node.
        let sources = (network.nodes + [seedNode]).flatMap(Self.inboundSources)
        #expect(!sources.isEmpty)
        #expect(sources.allSatisfy { $0.hasPrefix(Self.proxyOut + ":") }, "direct connections: \(sources)")
        let relayed = connects.filter { $0["ok"] as? Bool == true }.count
        print("proxy: \(proxy.events("accept").count) accepted, \(connects.count) CONNECTs (\(relayed) relayed, \(connects.filter { ($0["host"] as? String ?? "").hasSuffix(".onion") }.count) to .onion names); \(sources.count) inbound at the nodes; \(dns.events("query").count) DNS queries")
        #expect(sources.count == relayed, "\(sources.count) connections at the nodes, \(relayed) relayed")
        #expect(proxy.events("accept").count >= connects.count)
        network.kill()
        seedNode.kill()
        dns.kill()
        proxy.kill()
        let left = await ChildProcesses.leftovers(since: before)
        #expect(left.isEmpty, "left running: \(left)")
    }
}
