import Altstack
import DriverConformance
import DriverProtocol
import Foundation
import Testing
import TestSupport

/// check-driver's schema-valid check on a wrong type deep in a `peerconnected` notification
/// (integration/driver_broken.py --fault deep-type: `"start_height": null` in `params.peer`).
/// Codable decoding accepts it (an `Int?` reads null as absent), which is what check-driver
/// relied on before; the JSON Schema says integer.
@Suite(.serialized) struct SchemaViolationTests {
    static let expected = "received peerconnected.notification: /params/peer/start_height: expected integer, got null (type)"

    /// The notification as the broken driver writes it, after getmanifest and init.
    private func brokenNotification() throws -> [UInt8] {
        let input = Data((#"{"jsonrpc":"2.0","id":1,"method":"getmanifest","params":{"protocol_versions":[1]}}"# + "\n"
            + #"{"jsonrpc":"2.0","id":2,"method":"init","params":{"network":"regtest","chain":{"genesis_hash":"0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206","magic":"fabfb5da","default_port":18444},"options":{},"data_dir":"/tmp/x"}}"#
            + "\n").utf8)
        let output = try SchemaTests.run(try DriverFixtures.python(), [DriverFixtures.packageFile("integration/driver_broken.py"), "--fault", "deep-type"], input: input)
        let line = try #require(output.split(separator: 0x0A).first { String(decoding: $0, as: UTF8.self).contains("peerconnected") })
        return Array(line)
    }

    @Test func codableAcceptsWhatTheSchemaRejects() throws {
        let line = try brokenNotification()
        // Codable, as check-driver decoded before: no complaint.
        let frame = try RPCCodec.parse(line)
        #expect(frame.kind == .notification(method: Methods.peerConnected))
        let decoded = try frame.params(as: PeerConnected.self)
        #expect(decoded.peer.id == "mem0" && decoded.peer.startHeight == nil)
        // The schema: the violation, with its path and keyword.
        let schemas = try DriverSchemas(directory: URL(fileURLWithPath: DriverFixtures.packageFile("docs/schemas")))
        let violations = try #require(schemas.violations(of: line, as: "peerconnected.notification"))
        #expect(violations.map(\.description) == ["/params/peer/start_height: expected integer, got null (type)"])
    }

    @Test func checkDriverFailsOnlySchemaValidAndNamesThePath() async throws {
        let (status, output) = try await DriverFixtures.harness(["check-driver", "integration/driver_broken.py", "--fault", "deep-type"])
        #expect(status == 1, "\(output)")
        let failing = output.split(separator: "\n").filter { $0.hasPrefix("  FAIL") }
        #expect(failing.count == 1, "\(output)")
        #expect(failing.first?.contains("FAIL  schema-valid: 1 problem(s) in ") == true, "\(output)")
        #expect(failing.first?.contains(Self.expected) == true, "\(output)")
    }

    @Test func schemasFromAnotherDirectoryOrNone() async throws {
        let (status, output) = try await DriverFixtures.harness(["check-driver", "--schemas", "docs/schemas", "drivers/example-python/driver.py"])
        #expect(status == 0, "\(output)")
        #expect(output.contains("messages valid against \(SharedData.packageRoot.appendingPathComponent("docs/schemas").standardizedFileURL.path)"), "\(output)")
        let (missing, report) = try await DriverFixtures.harness(["check-driver", "--schemas", "/nonexistent/schemas", "drivers/example-python/driver.py"])
        #expect(missing == 1)
        #expect(report.contains("FAIL  schema-valid: could not load the JSON Schemas"), "\(report)")
    }
}
