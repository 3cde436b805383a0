import Altstack
import BitcoinPrimitives
import DriverProtocol
import Foundation
import JSON
import Testing
import TestSupport

/// Issue #19's "It must show", end to end: the BIP324 driver against a loopback network of 12
/// simnodes (TestSupport.LoopbackNetwork, 127.10.1.1 ... 127.21.1.1), a DNS seed served by dnslib
/// (integration/dns_seed.py) and a SOCKS5 proxy standing in for Tor (integration/socks5_proxy.py).
@Suite(.serialized) struct DiscoveryNetworkTests {
    struct Failure: Error, CustomStringConvertible { let description: String }

    static let seed = "seed.altnet.test"

    /// The DNS seed answering `seed.altnet.test` with `hosts`; its port.
    /// - Parameter extra: more dns_seed.py arguments (`--host ::1`, `--truncate-udp`).
    static func dnsSeed(_ hosts: [String], extra: [String] = []) async throws -> (JSONLinesChild, Int) {
        let dns = try JSONLinesChild.python("dns_seed.py", ["--name", seed] + hosts.flatMap { ["--a", $0] } + extra)
        do {
            let listening = try await dns.waitFor(timeout: .seconds(20)) { $0["event"] as? String == "listening" }
            return (dns, try #require(listening["port"] as? Int))
        } catch {
            dns.kill()
            throw error
        }
    }

    /// How many of the driver's log lines contain `text`.
    static func count(_ events: DriverFixture.Events, _ text: String) -> Int {
        events.logs.filter { $0.contains(text) }.count
    }

    /// The host of "HOST:PORT".
    static func host(_ address: String?) -> String { String((address ?? "").split(separator: ":").first ?? "") }

    @Test func seedNameAloneFillsDistinctGroupsAndAnchorsSurviveKillAndRestart() async throws {
        let before = ChildProcesses.descendants()
        let network = try await LoopbackNetwork.start(count: 12)
        defer { network.kill() }
        let (dns, dnsPort) = try await Self.dnsSeed(network.hosts)
        defer { dns.kill() }
        let dir = try TempDir()
        defer { dir.cleanup() }
        let file = dir.path + "/addrman.dat"
        let options: [String: JSONValue] = [
            "seeds": .string(Self.seed), "resolver": .string("127.0.0.1:\(dnsPort)"), "seedport": .int(Int64(network.p2pPort)),
            "testloopbackgroups": .bool(true), "datadir": .string(dir.path), "maxoutbound": .int(8),
        ]
        try await DriverFixture.withDriver(try DiscoveryLoopbackTests.config(options)) { altstack, events in
            #expect(await altstack.waitUntilReady())
            #expect(await events.waitForLog(["dns seed \(Self.seed): 12 addresses"]) != nil)
            #expect(await events.waitForLog(["outbound 8/8 from 8 groups"], timeout: .seconds(90)) != nil)
            let listed = try #require(try await DiscoveryLoopbackTests.listPeers(altstack))
            let outbound = listed.peers.filter { $0.direction == .outbound }
            #expect(outbound.count == 8 && Set(outbound.compactMap(\.group)).count == 8, "\(outbound)")
            #expect(outbound.allSatisfy { network.hosts.contains(Self.host($0.address)) && $0.transport == .v2 })
            #expect(outbound.allSatisfy { ["dns", "gossip"].contains($0.source ?? "") })
            let queries = dns.events("query").count
            #expect(queries >= 1)

            // kill -9 once addrman.dat holds the anchors (written at most every 10 s after changes).
            let reached = Date()
            let written = await eventually(timeout: .seconds(30), every: .milliseconds(250)) {
                let attributes = try? FileManager.default.attributesOfItem(atPath: file)
                return (attributes?[.modificationDate] as? Date).map { $0 > reached } ?? false
            }
            #expect(written, "addrman.dat not rewritten after the target was reached")
            let pid = try #require(DriverFixture.driverPID())
            let reachedBefore = Self.count(events, "outbound 8/8 from 8 groups")
            #expect(kill(pid, SIGKILL) == 0)
            // The supervisor restarts it: the file is read, the anchors come first, DNS is not asked.
            #expect(await eventually(timeout: .seconds(60), every: .milliseconds(200)) { Self.count(events, "anchors: trying") >= 1 })
            #expect(await eventually(timeout: .seconds(90), every: .milliseconds(200)) { Self.count(events, "outbound 8/8 from 8 groups") > reachedBefore })
            #expect(DriverFixture.driverPID() != pid)
            #expect(Self.count(events, "unreadable") == 0)
            #expect(dns.events("query").count == queries, "DNS asked again after kill -9")
        }
        let queries = dns.events("query").count

        // A clean restart: anchors first again, DNS still not asked.
        try await DriverFixture.withDriver(try DiscoveryLoopbackTests.config(options)) { altstack, events in
            #expect(await altstack.waitUntilReady())
            #expect(await events.waitForLog(["anchors: trying"]) != nil)
            #expect(await events.waitForLog(["outbound 8/8 from 8 groups"], timeout: .seconds(90)) != nil)
            let listed = try #require(try await DiscoveryLoopbackTests.listPeers(altstack))
            #expect(listed.peers.contains { $0.source == "anchor" })
            #expect(!events.logs.contains { $0.contains("dns seed") })
        }
        #expect(dns.events("query").count == queries)

        // A corrupt file is set aside with its log line, and discovery starts over (DNS asked).
        var bytes = try Data(contentsOf: URL(fileURLWithPath: file))
        bytes[bytes.count / 2] ^= 0x20
        try bytes.write(to: URL(fileURLWithPath: file))
        try await DriverFixture.withDriver(try DiscoveryLoopbackTests.config(options)) { altstack, events in
            #expect(await altstack.waitUntilReady())
            #expect(await events.waitForLog(["addrman.dat unreadable (", "set aside as addrman.dat.corrupt-", "starting discovery over"]) != nil)
            #expect(await events.waitForLog(["dns seed \(Self.seed): 12 addresses"]) != nil)
            #expect(await events.waitForLog(["outbound 8/8 from 8 groups"], timeout: .seconds(90)) != nil)
        }
        #expect(dns.events("query").count > queries)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).contains { $0.hasPrefix("addrman.dat.corrupt-") })
        network.kill()
        dns.kill()
        let left = await ChildProcesses.leftovers(since: before)
        #expect(left.isEmpty, "left running: \(left)")
    }
}
