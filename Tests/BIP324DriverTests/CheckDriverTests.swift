import Foundation
import Testing
import TestSupport

/// `altnet-harness check-driver` (the driver conformance suite) on the real executable.
@Suite struct CheckDriverTests {
    /// With a verystable v2 node to talk to (passed as `--connect`), every check passes,
    /// headers-exchange included.
    @Test func harnessCheckDriverPasses() async throws {
        let peer = try await BIP324DriverPeer(mode: "serve")
        defer { peer.kill() }
        let port = peer.port
        let driver = try DriverFixture.executable()
        let harness = try BuiltProduct.path("altnet-harness")
        let (status, output, _) = try await runToEnd(harness, ["check-driver", driver, "--connect", "127.0.0.1:\(port)"])
        #expect(status == 0, "check-driver failed:\n\(output)")
        #expect(output.contains("PASS  headers-exchange"), "\(output)")
        #expect(output.contains("PASS  peer-addressing: 1 listed peer(s) answered getheaders by id"), "\(output)")
        #expect(output.contains("PASS  unknown-peer"), "\(output)")
        // DriverKit declares binary framing: check-driver picks it and checks it.
        #expect(output.contains("PASS  framing: binary: "), "\(output)")
        #expect(output.contains("all ") && output.contains("checks passed"), "\(output)")
    }
}
