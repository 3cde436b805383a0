import Altstack
import DriverProtocol
import JSON
import Foundation
import Testing
import TestSupport

/// Issue #19's addr flood, measured on the real driver: one peer streams addrv2 messages of
/// 1,000 routable addresses each; the address manager keeps at most that source's share of new
/// buckets (16 x 64 = 1,024 slots) and the driver's peak memory does not grow with the flood.
@Suite(.serialized) struct AddrFloodMemoryTests {
    /// Peak resident memory (VmHWM, kB) of this process's altnet-driver-bip324 child.
    static func driverPeakKB() -> Int? {
        guard let pid = DriverFixture.driverPID(),
              let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) else { return nil }
        return Int(line.split(separator: " ").dropFirst().first ?? "")
    }

    /// The value of a metrics line starting with `series`.
    static func metric(_ text: String, _ series: String) -> Double? {
        text.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") }
    }

    /// Streams `messages` addrv2 messages at a driver; returns (new-table size, peak kB).
    static func run(messages: Int) async throws -> (Double, Int) {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let peer = try await BIP324DriverPeer(mode: "addrstream", host: "127.31.0.1", environment: ["BIP324_PEER_ADDR_MESSAGES": "\(messages)"])
        defer { peer.kill() }
        let metricsPort = try FreePort.loopback()
        let options: [String: JSONValue] = [
            "addnode": .string("127.31.0.1:\(peer.port)"), "dnsseed": .bool(false), "datadir": .string(dir.path),
            "metrics": .string("127.0.0.1:\(metricsPort)"),
        ]
        return try await DriverFixture.withDriver(try DiscoveryLoopbackTests.config(options)) { altstack, _ in
            #expect(await altstack.waitUntilReady())
            try await peer.waitFor(event: "streamed", timeout: .seconds(120))
            // Wait until the new table stops growing (the driver has read the whole stream).
            var last = -1.0
            var stable = 0
            var size = 0.0
            let deadline = ContinuousClock.now + .seconds(120)
            while stable < 4, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(500))
                let text = (try? await httpGet(port: metricsPort, path: "/metrics")) ?? ""
                size = metric(text, "bip324_addrman_addresses{table=\"new\"}") ?? -1
                stable = size == last && size >= 0 ? stable + 1 : 0
                last = size
            }
            return (size, try #require(driverPeakKB()))
        }
    }

    @Test func floodKeepsTheBookAndMemoryBounded() async throws {
        let (smallBook, smallPeak) = try await Self.run(messages: 1)
        let (bigBook, bigPeak) = try await Self.run(messages: 100)
        print("addr flood: 1 message -> \(Int(smallBook)) new, peak \(smallPeak) kB; 100 messages (100,000 addresses) -> \(Int(bigBook)) new, peak \(bigPeak) kB")
        #expect(smallBook > 0)
        #expect(bigBook <= 1024)  // one source group's share: 16 buckets x 64 slots
        #expect(bigPeak - smallPeak < 40_000, "peak memory grew by \(bigPeak - smallPeak) kB with the flood")
    }
}
