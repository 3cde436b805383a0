import Altstack
import DriverProtocol
import Foundation
import JSON
import Testing
import TestSupport

/// Gossiped addresses relayed onward as Core does (issue #19), end to end: verystable peers
/// (integration/bip324_driver_peer.py) connected to the driver; one pushes a small fresh addrv2
/// (two IPv4, one Tor v3, one I2P), and the others receive them: the one that sent sendaddrv2 in
/// addrv2 (all four), the one that did not in addr (the IPv4 ones only), the sender nothing.
@Suite(.serialized) struct DiscoveryRelayTests {
    static let pushed = [
        "127.50.0.1:8333", "127.51.0.1:8333", "5g72ppm3krkorsfopcm2bi7wlv4ohhs4u4mlseymasn7g7zhdcyjpfid.onion:8333",
        "ukeu3k5oycgaauneqgtnvselmt4yemvoilkln7jpvamvfx7dnkdq.b32.i2p:0",
    ]

    static func received(_ peer: BIP324DriverPeer, _ event: String) -> Set<String> {
        Set(peer.events(event).flatMap { $0["addresses"] as? [String] ?? [] })
    }

    @Test func smallFreshAddrv2IsRelayedToOtherPeersByWhatTheyCarry() async throws {
        let before = ChildProcesses.descendants()
        let dir = try TempDir()
        defer { dir.cleanup() }
        let sender = try await BIP324DriverPeer(
            mode: "addrpush", host: "127.31.0.1", environment: ["BIP324_PEER_PUSH": Self.pushed.joined(separator: ","), "BIP324_PEER_PUSH_DELAY": "3"])
        defer { sender.kill() }
        let v2 = try await BIP324DriverPeer(mode: "gossip", host: "127.32.0.1")
        defer { v2.kill() }
        let v1 = try await BIP324DriverPeer(mode: "serve", host: "127.33.0.1")
        defer { v1.kill() }
        let metricsPort = try FreePort.loopback()
        let options: [String: JSONValue] = [
            "addnode": .array([sender, v2, v1].enumerated().map { .string("127.3\($0.offset + 1).0.1:\($0.element.port)") }),
            // Nothing dialled besides the addnode peers (the relayed addresses are not real nodes).
            "maxoutbound": .int(0), "dnsseed": .bool(false), "fixedseeds": .bool(false), "testloopbackgroups": .bool(true),
            "addrrelayms": .int(200), "datadir": .string(dir.path), "metrics": .string("127.0.0.1:\(metricsPort)"),
        ]
        try await DriverFixture.withDriver(try DiscoveryLoopbackTests.config(options)) { altstack, events in
            #expect(await altstack.waitUntilReady())
            let pushed = try await sender.waitFor(event: "pushed", timeout: .seconds(30))
            #expect((pushed["addresses"] as? [String]).map(Set.init) == Set(Self.pushed))
            let ipv4 = Set(Self.pushed.prefix(2))
            #expect(await eventually(timeout: .seconds(20), every: .milliseconds(100)) {
                Self.received(v2, "addrv2").isSuperset(of: Set(Self.pushed)) && Self.received(v1, "addr").isSuperset(of: ipv4)
            }, "addrv2 peer got \(Self.received(v2, "addrv2")), addr peer got \(Self.received(v1, "addr"))")
            // The addr peer never gets Tor v3 or I2P, and nothing in addrv2; the sender gets nothing back.
            #expect(Self.received(v1, "addr") == ipv4 && v1.events("addrv2").isEmpty)
            #expect(Self.received(sender, "addrv2").isDisjoint(with: Self.pushed) && Self.received(sender, "addr").isDisjoint(with: Self.pushed))
            // Counted: relayed addresses in the metrics.
            #expect(await eventually(timeout: .seconds(10), every: .milliseconds(250)) {
                let text = (try? await httpGet(port: metricsPort, path: "/metrics")) ?? ""
                return text.split(separator: "\n").contains { $0.hasPrefix("bip324_addr_relayed ") && (Double($0.split(separator: " ").last ?? "") ?? 0) >= 6 }
            })
            print("relayed: addrv2 peer \(Self.received(v2, "addrv2").sorted()), addr peer \(Self.received(v1, "addr").sorted())")
            _ = events
        }
        sender.kill()
        v2.kill()
        v1.kill()
        let left = await ChildProcesses.leftovers(since: before)
        #expect(left.isEmpty, "left running: \(left)")
    }
}
