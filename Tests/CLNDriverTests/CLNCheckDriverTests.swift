import Foundation
import TestSupport
import Testing

/// `altnet-harness check-driver` on `altnet-driver-cln`, beside a lightningd stand-in
/// (integration/cln_standin.py) with its plugin and no linked node: the harness has no peer
/// instance to give a Core Lightning driver, so headers-exchange is the one check that fails
/// (as for the BOLT 8 driver with `--no-peer`); every other check passes, schema-valid included.
@Suite(.serialized) struct CLNCheckDriverTests {
    @Test func everyCheckButHeadersExchangePasses() async throws {
        let root = try TempDir.short()
        defer { root.cleanup() }
        let lightning = try JSONLinesChild.python("cln_standin.py", [
            "--lightning-dir", root.path + "/ln", "--plugin", try BuiltProduct.path("altnet-cln-plugin"),
            "--node-id", "02" + String(repeating: "c4", count: 32), "--plugin-opt", "altnet-socket=\(root.path)/p.sock", "--listen",
        ])
        defer { lightning.kill() }
        try await lightning.waitFor(timeout: .seconds(30)) { $0["event"] as? String == "ready" }
        let (status, output, _) = try await runToEnd(try BuiltProduct.path("altnet-harness"), [
            "check-driver", "--json", "--no-peer", try BuiltProduct.path("altnet-driver-cln"),
            "--lightningdir", root.path + "/ln", "--socket", root.path + "/p.sock",
        ])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any], "\(output)")
        let findings = report["findings"] as? [[String: Any]] ?? []
        #expect(status == 1)
        #expect(findings.count >= 15, "\(output)")
        #expect(findings.filter { $0["passed"] as? Bool != true }.map { $0["check"] as? String } == ["headers-exchange"], "\(output)")
        // The driver listed lightningd's connected peers to the harness: only the plain one (no
        // link is made here), which carries no altnet, so peer-addressing has nothing to address.
        #expect(findings.contains { $0["check"] as? String == "peer-addressing" && $0["passed"] as? Bool == true }, "\(output)")
    }
}
