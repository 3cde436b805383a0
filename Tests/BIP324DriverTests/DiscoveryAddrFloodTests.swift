import Altstack
import BitcoinPrimitives
import DriverProtocol
import Foundation
import JSON
import Testing
import TestSupport

/// Issue #19's bad input: a peer floods the driver with addrv2 (1,000 entries a message, 200
/// messages: 200,000 addresses) while an honest simnode is connected; the driver's resident
/// memory stays bounded (read from /proc/PID/status), the flood fills at most its source group's
/// share of the new table (16 buckets of 64, bip324_addrman_addresses in the driver's metrics),
/// and the honest peer is still served.
@Suite(.serialized) struct DiscoveryAddrFloodTests {
    /// Growth of VmRSS allowed over the flood: the address manager holds at most 20,480
    /// addresses (a few MB); anything near this means the flood is being kept.
    static let boundKiB = 48 * 1024

    @Test func addrFloodKeepsMemoryBoundedAndTheHonestPeerServed() async throws {
        let honest = try await SimnodeChild.start(temporary: "floodhonest", .init(zmq: false, p2pPort: 0))
        defer { honest.kill() }
        let mined: [String] = try await honest.rpc.call("simgenerate", [.int(10)])
        let dir = try TempDir()
        defer { dir.cleanup() }
        let go = dir.path + "/go"
        let flooder = try JSONLinesChild.python(
            "simnode_addr_peer.py", ["flood", "--host", "127.40.0.1", "--count", "1000", "--messages", "200", "--go-file", go])
        defer { flooder.kill() }
        let listening = try await flooder.waitFor(timeout: .seconds(20)) { $0["event"] as? String == "listening" }
        let flooderPort = try #require(listening["port"] as? Int)
        let honestID = "127.0.0.1:\(try #require(honest.p2pPort))"
        let metricsPort = try FreePort.loopback()
        let options: [String: JSONValue] = [
            "metrics": .string("127.0.0.1:\(metricsPort)"),
            "addnode": .array([.string(honestID), .string("127.40.0.1:\(flooderPort)")]),
            "dnsseed": .bool(false), "testloopbackgroups": .bool(true), "datadir": .string(dir.path), "maxoutbound": .int(2),
        ]
        try await DriverFixture.withDriver(try DiscoveryLoopbackTests.config(options)) { altstack, events in
            #expect(await altstack.waitUntilReady())
            #expect(await events.waitFor { $0.connectedPeer == honestID } != nil)
            try await flooder.waitFor(timeout: .seconds(30)) { $0["event"] as? String == "ready" }
            let pid = try #require(DriverFixture.driverPID())
            let baseline = try ResidentMemory.kib(pid: pid)
            #expect(FileManager.default.createFile(atPath: go, contents: nil))
            let flooded = try await flooder.waitFor(timeout: .seconds(120)) { $0["event"] as? String == "flooded" }
            #expect(flooded["messages"] as? Int == 200)
            let after = try ResidentMemory.kib(pid: pid)
            let peak = try ResidentMemory.kib(pid: pid, field: "VmHWM:")
            print("addr flood: driver VmRSS \(baseline) KiB before, \(after) KiB after, VmHWM \(peak) KiB; flooder still connected: \(flooded["alive"] ?? "?")")
            #expect(after - baseline < Self.boundKiB, "VmRSS grew \(after - baseline) KiB")
            #expect(peak - baseline < Self.boundKiB, "VmHWM \(peak) KiB against \(baseline) KiB")
            // One source group's share of the new table: 16 buckets x 64 slots.
            var newTable = -1
            _ = await eventually(timeout: .seconds(10), every: .milliseconds(250)) {
                guard let text = try? await httpGet(port: metricsPort, path: "/metrics"),
                      let value = AddrFloodMemoryTests.metric(text, "bip324_addrman_addresses{table=\"new\"}")
                else { return false }
                newTable = Int(value)
                return true
            }
            print("addr flood: new table holds \(newTable) addresses after 200,000 offered")
            #expect(newTable > 0 && newTable <= 16 * 64, "new table: \(newTable)")
            // The honest peer still answers through the driver.
            let answer = try await altstack.sendMessage(DriverInteropTests.getHeaders, peer: honestID, timeout: .seconds(30))
            let reply = try #require(answer.value.replies.first)
            #expect(try DriverFixture.headerHashes(reply) == mined)
        }
    }
}
