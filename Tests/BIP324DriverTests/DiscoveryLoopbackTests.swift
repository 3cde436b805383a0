import Altstack
import DriverProtocol
import Foundation
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
        defer { flooder.kill() }
        let options: [String: JSONValue] = [
            "testloopbackgroups": .bool(true), "datadir": .string(dir.path), "dnsseed": .bool(false), "bantime": .int(600),
            "addnode": .string("127.21.0.1:\(flooder.port)"),
        ]
        try await DriverFixture.withDriver(try Self.config(options)) { altstack, events in
            #expect(await altstack.waitUntilReady())
            try await flooder.waitFor(event: "flooded")
            #expect(await events.waitForLog(["banned 127.21.0.1 for 600 s", "addrv2"]) != nil)
            #expect(await events.waitForLog(["disconnected", "addrv2 of 1001", "exceeds the limit of 1000"]) != nil)
        }
    }
}
