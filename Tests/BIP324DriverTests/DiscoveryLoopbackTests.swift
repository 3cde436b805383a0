import Altstack
import DriverProtocol
import JSON
import Foundation
import JSON
import Testing
import TestSupport

/// Discovery on loopback (issue #19, the driver side): verystable v2 peers on distinct
/// 127.x.0.0/16 groups (`testloopbackgroups`), one of them (the `addnode`) gossiping the others in
/// addrv2; the driver fills `maxoutbound` from distinct groups, persists its address manager,
/// dials its anchors first after a restart without asking DNS, sets a corrupt file aside, and
/// bans a peer that sends an oversized addrv2.
@Suite(.serialized) struct DiscoveryLoopbackTests {
    static func config(_ options: [String: JSONValue]) throws -> DriverConfig {
        DriverConfig(
            name: "bip324", executable: try DriverFixture.executable(), options: options,
            dataDir: FileManager.default.temporaryDirectory.appendingPathComponent("altnet-bip324-discovery").path,
            timeouts: DriverConfig.Timeouts(heartbeatInterval: .seconds(2), heartbeatTimeout: .seconds(4), shutdownGrace: .seconds(5)))
    }

    static func listPeers(_ altstack: Altstack) async throws -> ListPeersResult? {
        let outcomes = await altstack.broadcast(Methods.listPeers, EmptyObject(), as: ListPeersResult.self, requirement: .exchange(.headers))
        return try outcomes.first?.result.get()
    }

    @Test func gossipFillsDistinctGroupsThenAnchorsAfterRestart() async throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let file = URL(fileURLWithPath: dir.path).appendingPathComponent("addrman.dat")
        var peers: [BIP324DriverPeer] = []
        defer { for p in peers { p.kill() } }
        // Four listeners: three groups of their own, one sharing the hub's 127.11/16.
        for host in ["127.12.0.1", "127.13.0.1", "127.14.0.1", "127.11.0.2"] {
            peers.append(try await BIP324DriverPeer(mode: "gossip", host: host))
        }
        let gossiped = zip(["127.12.0.1", "127.13.0.1", "127.14.0.1", "127.11.0.2"], peers).map { "\($0):\($1.port)" }
        let hub = try await BIP324DriverPeer(mode: "gossip", host: "127.11.0.1", environment: ["BIP324_PEER_GOSSIP": gossiped.joined(separator: ",")])
        peers.append(hub)
        let base: [String: JSONValue] = [
            "testloopbackgroups": .bool(true), "maxoutbound": .int(3), "datadir": .string(dir.path),
            // DNS is on, but must not be asked while the book has addresses: a lookup would log.
            "seeds": .string("seed.altnet.invalid"), "resolver": .string("127.0.0.1:9"),
        ]
        var first = base
        first["addnode"] = .string("127.11.0.1:\(hub.port)")
        first["externalip"] = .string("127.99.0.1:18444")
        let metricsPort = try FreePort.loopback()
        first["metrics"] = .string("127.0.0.1:\(metricsPort)")
        try await DriverFixture.withDriver(try Self.config(first)) { altstack, events in
            #expect(await altstack.waitUntilReady())
            // BIP155 to the hub: sendaddrv2 before verack, getaddr after, our address in addrv2.
            try await hub.waitFor(event: "sendaddrv2")
            try await hub.waitFor(event: "getaddr")
            let advertised = try await hub.waitFor { ($0["addresses"] as? [String])?.contains("127.99.0.1:18444") == true }
            #expect(advertised["event"] as? String == "addrv2")
            #expect(await events.waitForLog(["outbound 3/3 from 3 groups"]) != nil)
            let listed = try #require(try await Self.listPeers(altstack))
            let gossip = listed.peers.filter { $0.source == "gossip" }
            #expect(gossip.count == 3)
            #expect(Set(gossip.compactMap(\.group)).count == 3)
            #expect(gossip.allSatisfy { $0.network == "ipv4" && $0.transport == .v2 && $0.direction == .outbound })
            #expect(listed.peers.filter { $0.source == "manual" }.map(\.address) == ["127.11.0.1:\(hub.port)"])
            // Metrics: four outbound IPv4 peers (three picked, one addnode), all four in tried.
            let seen = MetricsSeen()
            let shown = await eventually(timeout: .seconds(20), every: .milliseconds(200)) {
                guard let text = try? await httpGet(port: metricsPort, path: "/metrics") else { return false }
                seen.set(text)
                return text.contains("bip324_connections{network=\"ipv4\",direction=\"outbound\"} 4")
                    && text.contains("bip324_addrman_addresses{table=\"tried\"} 4") && text.contains("bip324_banned 0")
            }
            #expect(shown, "last metrics: \(seen.text.split(separator: "\n").filter { $0.hasPrefix("bip324_connections") || $0.hasPrefix("bip324_addrman") || $0.hasPrefix("bip324_banned") })")
        }
        #expect(FileManager.default.fileExists(atPath: file.path))

        // Restart without the addnode: the three anchors come back first, DNS is not asked.
        try await DriverFixture.withDriver(try Self.config(base)) { altstack, events in
            #expect(await altstack.waitUntilReady())
            #expect(await events.waitForLog(["anchors: trying 3 first"]) != nil)
            #expect(await events.waitForLog(["outbound 3/3 from 3 groups"]) != nil)
            let listed = try #require(try await Self.listPeers(altstack))
            #expect(listed.peers.filter { $0.source == "anchor" }.count == 3)
            #expect(!events.logs.contains { $0.contains("dns seed") })
        }

        // A damaged file is set aside and discovery starts over (here: DNS asked at once).
        var bytes = try Data(contentsOf: file)
        bytes[bytes.count / 2] ^= 0x40
        try bytes.write(to: file)
        try await DriverFixture.withDriver(try Self.config(base)) { altstack, events in
            #expect(await altstack.waitUntilReady())
            let line = await events.waitForLog(["addrman.dat unreadable (", "set aside as addrman.dat.corrupt-", "starting discovery over"])
            #expect(line != nil)
            #expect(await events.waitForLog(["dns seed seed.altnet.invalid: 0 addresses"]) != nil)
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        #expect(names.contains { $0.hasPrefix("addrman.dat.corrupt-") })
    }

    @Test func oversizedAddrv2IsBanned() async throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let flooder = try await BIP324DriverPeer(mode: "addrflood", host: "127.21.0.1")
        let metricsPort = try FreePort.loopback()
        defer { flooder.kill() }
        let options: [String: JSONValue] = [
            "testloopbackgroups": .bool(true), "datadir": .string(dir.path), "dnsseed": .bool(false), "bantime": .int(600),
            "addnode": .string("127.21.0.1:\(flooder.port)"), "metrics": .string("127.0.0.1:\(metricsPort)"),
        ]
        try await DriverFixture.withDriver(try Self.config(options)) { altstack, events in
            #expect(await altstack.waitUntilReady())
            try await flooder.waitFor(event: "flooded")
            #expect(await events.waitForLog(["banned 127.21.0.1 for 600 s", "addrv2"]) != nil)
            #expect(await events.waitForLog(["disconnected", "addrv2 of 1001", "exceeds the limit of 1000"]) != nil)
            #expect(await eventually(timeout: .seconds(10), every: .milliseconds(200)) {
                (try? await httpGet(port: metricsPort, path: "/metrics"))?.contains("bip324_banned 1") == true
            })
        }
    }

    /// `proxy=`: the seed is fetched by name through SOCKS5 (a one-shot connection that sends
    /// getaddr, no DNS query), every peer is dialled through the proxy, and a Tor v3 address
    /// learned from addrv2 is dialled by its `.onion` name.
    @Test func proxyCarriesSeedPeersAndOnionByName() async throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let proxy = try JSONLinesChild.python("socks5_proxy.py", [])
        defer { proxy.kill() }
        let proxyPort = try #require(try await proxy.waitFor(timeout: .seconds(20)) { $0["event"] as? String == "listening" }["port"] as? Int)
        let peer = try await BIP324DriverPeer(mode: "gossip", host: "127.12.0.1")
        defer { peer.kill() }
        let onion = "pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion"
        // The "seed" answers getaddr with the peer and an onion address; `localhost` is its name.
        let seed = try await BIP324DriverPeer(
            mode: "gossip", host: "127.0.0.1", environment: ["BIP324_PEER_GOSSIP": "127.12.0.1:\(peer.port),\(onion):8333"])
        defer { seed.kill() }
        let options: [String: JSONValue] = [
            "testloopbackgroups": .bool(true), "datadir": .string(dir.path), "maxoutbound": .int(2),
            "proxy": .string("127.0.0.1:\(proxyPort)"), "seeds": .string("localhost"), "seedport": .int(Int64(seed.port)),
            // A resolver that answers nothing: a clear DNS query would fail the seed step.
            "resolver": .string("127.0.0.1:9"),
        ]
        try await DriverFixture.withDriver(try Self.config(options)) { altstack, events in
            #expect(await altstack.waitUntilReady())
            #expect(await events.waitForLog(["dns seed localhost: 2 addresses"]) != nil)
            #expect(await events.waitForLog(["outbound 1/2 from 1 groups"]) != nil)
            _ = try await proxy.waitFor(timeout: .seconds(30)) { $0["host"] as? String == onion }
        }
        let connects = proxy.events("connect")
        #expect(connects.contains { $0["host"] as? String == "localhost" && $0["atyp"] as? String == "domain" && $0["port"] as? Int == seed.port })
        #expect(connects.contains { $0["host"] as? String == "127.12.0.1" && $0["port"] as? Int == peer.port })
        #expect(connects.contains { $0["host"] as? String == onion && $0["atyp"] as? String == "domain" && $0["port"] as? Int == 8333 })
        // Nothing reached the peers but through the proxy: every accepted connection was proxied.
        #expect(peer.events("accepted").count <= connects.filter { $0["host"] as? String == "127.12.0.1" }.count)
        #expect(seed.events("accepted").count == connects.filter { $0["host"] as? String == "localhost" }.count)
    }

    /// An inbound peer's getaddr is answered (as Core does: at most 23% of the book, in `addr`
    /// for a peer that did not send sendaddrv2); outbound peers' getaddr is not.
    @Test func inboundGetaddrIsAnsweredFromTheBook() async throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let gossip = (50..<60).map { "127.\($0).0.1:1" }.joined(separator: ",")
        let hub = try await BIP324DriverPeer(mode: "gossip", host: "127.41.0.1", environment: ["BIP324_PEER_GOSSIP": gossip])
        defer { hub.kill() }
        let port = try FreePort.loopback()
        let options: [String: JSONValue] = [
            "listen": .string("127.0.0.1:\(port)"), "addnode": .string("127.41.0.1:\(hub.port)"), "maxoutbound": .int(0),
            "dnsseed": .bool(false), "testloopbackgroups": .bool(true), "datadir": .string(dir.path),
        ]
        try await DriverFixture.withDriver(try Self.config(options)) { altstack, _ in
            #expect(await altstack.waitUntilReady())
            try await hub.waitFor(event: "getaddr")  // the book now holds the hub and its 10 addresses
            // The hub (driver's outbound peer) sent getaddr too: it gets nothing.
            let inbound = try await BIP324DriverPeer(mode: "initiator", ["\(port)"], host: "127.42.0.1")
            defer { inbound.kill() }
            let answer = try await inbound.waitFor(event: "addr", timeout: .seconds(20))
            let payload = try #require(answer["payload"] as? String)
            #expect(payload.hasPrefix("02") && payload.count == 2 * (1 + 2 * 30))  // 23% of 11 is 2 entries
            #expect(hub.events("addr").isEmpty && hub.events("addrv2").filter { ($0["addresses"] as? [String])?.isEmpty == false }.isEmpty)
        }
    }

    /// kill -9 after the book was written: the supervisor restarts the driver, which reads the
    /// atomically written addrman.dat and dials its anchors first.
    @Test func bookSurvivesKillNine() async throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        var peers: [BIP324DriverPeer] = []
        defer { for p in peers { p.kill() } }
        for host in ["127.62.0.1", "127.63.0.1"] { peers.append(try await BIP324DriverPeer(mode: "gossip", host: host)) }
        let gossiped = zip(["127.62.0.1", "127.63.0.1"], peers).map { "\($0):\($1.port)" }.joined(separator: ",")
        let hub = try await BIP324DriverPeer(mode: "gossip", host: "127.61.0.1", environment: ["BIP324_PEER_GOSSIP": gossiped])
        peers.append(hub)
        let options: [String: JSONValue] = [
            "testloopbackgroups": .bool(true), "maxoutbound": .int(2), "datadir": .string(dir.path), "dnsseed": .bool(false),
            "addnode": .string("127.61.0.1:\(hub.port)"),
        ]
        let file = dir.path + "/addrman.dat"
        try await DriverFixture.withDriver(try Self.config(options)) { altstack, events in
            #expect(await altstack.waitUntilReady())
            #expect(await events.waitForLog(["outbound 2/2 from 2 groups"]) != nil)
            // Written within 10 s of the change (plus a tick).
            #expect(await eventually(timeout: .seconds(20), every: .milliseconds(200)) { FileManager.default.fileExists(atPath: file) })
            let pid = try #require(DriverFixture.driverPID())
            kill(pid, SIGKILL)
            #expect(await events.waitForLog(["anchors: trying 2 first"], timeout: .seconds(60)) != nil)
            #expect(await eventually(timeout: .seconds(30), every: .milliseconds(200)) {
                events.logs.filter { $0.contains("outbound 2/2 from 2 groups") }.count >= 2
            })
        }
    }
}

/// The last metrics text read (for a failure message).
final class MetricsSeen: @unchecked Sendable {
    // @unchecked: `stored` is guarded by `lock`.
    private let lock = NSLock()
    private var stored = ""
    func set(_ text: String) { lock.withLock { stored = text } }
    var text: String { lock.withLock { stored } }
}
