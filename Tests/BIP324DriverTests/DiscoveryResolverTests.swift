import Altstack
import DriverProtocol
import Foundation
import JSON
import Testing
import TestSupport

/// The DNS side of discovery (issue #19): an IPv6 `resolver`, TCP when the UDP answer is
/// truncated, and the rule that only v2 peers count toward `maxoutbound` unless `v1fallback`.
@Suite(.serialized) struct DiscoveryResolverTests {
    static let hosts = (0..<12).map { "127.\(60 + $0).1.1" }

    /// Whether ::1 takes a UDP bind (CI's Debian loopback has IPv6 on).
    static func ipv6LoopbackUp() -> Bool {
        let fd = socket(AF_INET6, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var sin6 = sockaddr_in6()
        sin6.sin6_family = sa_family_t(AF_INET6)
        sin6.sin6_addr = in6addr_loopback
        return withUnsafePointer(to: &sin6) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) == 0 }
        }
    }

    /// Runs the driver on `resolver` until it logs the seed's answer; returns the log line.
    static func lookup(resolver: String) async throws -> String? {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let options: [String: JSONValue] = [
            "seeds": .string(DiscoveryNetworkTests.seed), "resolver": .string(resolver), "maxoutbound": .int(0),
            "fixedseeds": .bool(false), "testloopbackgroups": .bool(true), "datadir": .string(dir.path),
        ]
        return try await DriverFixture.withDriver(try DiscoveryLoopbackTests.config(options)) { altstack, events in
            #expect(await altstack.waitUntilReady())
            return await events.waitForLog(["dns seed \(DiscoveryNetworkTests.seed):", "addresses"], timeout: .seconds(30))
        }
    }

    /// Over UDP, and (truncated) over TCP, both to ::1.
    @Test(arguments: [false, true]) func resolverOnIPv6Loopback(truncated: Bool) async throws {
        try #require(Self.ipv6LoopbackUp(), "::1 is not configured on this machine's loopback")
        let before = ChildProcesses.descendants()
        let (dns, port) = try await DiscoveryNetworkTests.dnsSeed(Self.hosts, extra: ["--host", "::1"] + (truncated ? ["--truncate-udp"] : []))
        defer { dns.kill() }
        let line = try await Self.lookup(resolver: "[::1]:\(port)")
        #expect(line?.contains("\(Self.hosts.count) addresses") == true, "\(line ?? "no answer")")
        let answered = dns.events("query").filter { $0["name"] as? String == DiscoveryNetworkTests.seed && $0["type"] as? String == "A" }
        #expect(answered.contains { $0["protocol"] as? String == (truncated ? "tcp" : "udp") }, "\(answered)")
        dns.kill()
        #expect(await ChildProcesses.leftovers(since: before).isEmpty)
    }

    @Test func truncatedUDPAnswerIsAskedAgainOverTCP() async throws {
        let before = ChildProcesses.descendants()
        let (dns, port) = try await DiscoveryNetworkTests.dnsSeed(Self.hosts, extra: ["--truncate-udp"])
        defer { dns.kill() }
        let line = try await Self.lookup(resolver: "127.0.0.1:\(port)")
        #expect(line?.contains("\(Self.hosts.count) addresses") == true, "\(line ?? "no answer")")
        #expect(dns.events("truncated").contains { $0["type"] as? String == "A" })
        let queries = dns.events("query").filter { $0["type"] as? String == "A" }
        #expect(queries.contains { $0["protocol"] as? String == "udp" })
        #expect(queries.contains { $0["protocol"] as? String == "tcp" && $0["answers"] as? Int == Self.hosts.count }, "\(queries)")
        print("A queries: \(queries.map { "\($0["protocol"] ?? "?")/\($0["answers"] ?? "?")" })")
        dns.kill()
        #expect(await ChildProcesses.leftovers(since: before).isEmpty)
    }

    /// v1-only simnodes behind the seed: without v1fallback none fills a slot; with it, the target is reached.
    @Test(arguments: [false, true]) func onlyV2PeersCountUnlessV1Fallback(v1Fallback: Bool) async throws {
        let before = ChildProcesses.descendants()
        let network = try await LoopbackNetwork.start(count: 4, extra: ["--v2transport", "0"])
        defer { network.kill() }
        let (dns, dnsPort) = try await DiscoveryNetworkTests.dnsSeed(network.hosts)
        defer { dns.kill() }
        let dir = try TempDir()
        defer { dir.cleanup() }
        var config = try DiscoveryLoopbackTests.config([
            "seeds": .string(DiscoveryNetworkTests.seed), "resolver": .string("127.0.0.1:\(dnsPort)"), "seedport": .int(Int64(network.p2pPort)),
            "testloopbackgroups": .bool(true), "datadir": .string(dir.path), "maxoutbound": .int(3), "fixedseeds": .bool(false),
        ])
        if v1Fallback { config.arguments = ["--v1-fallback"] }
        try await DriverFixture.withDriver(config) { altstack, events in
            #expect(await altstack.waitUntilReady())
            #expect(await events.waitForLog(["dns seed \(DiscoveryNetworkTests.seed): 4 addresses"]) != nil)
            if v1Fallback {
                #expect(await events.waitForLog(["outbound 3/3 from 3 groups"], timeout: .seconds(60)) != nil)
                let listed = try #require(try await DiscoveryLoopbackTests.listPeers(altstack))
                #expect(listed.peers.filter { $0.direction == .outbound && $0.transport == .v1 }.count == 3, "\(listed.peers)")
            } else {
                // Every node is dialled and refuses v2; none takes a slot.
                #expect(await eventually(timeout: .seconds(60), every: .milliseconds(200)) {
                    Set(network.hosts.filter { host in events.logs.contains { $0.contains(host) && $0.contains("v1fallback is off") } }).count == network.hosts.count
                }, "not every v1-only node was tried: \(events.logs.filter { $0.contains("v1") }.suffix(5))")
                let listed = try #require(try await DiscoveryLoopbackTests.listPeers(altstack))
                #expect(listed.peers.filter { $0.direction == .outbound }.isEmpty, "\(listed.peers)")
                #expect(!events.logs.contains { $0.contains("outbound 1/3") || $0.contains("outbound 2/3") || $0.contains("outbound 3/3") })
            }
        }
        network.kill()
        dns.kill()
        #expect(await ChildProcesses.leftovers(since: before).isEmpty)
    }
}
