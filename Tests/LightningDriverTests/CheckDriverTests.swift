import Foundation
import Testing
import TestSupport

/// `altnet-harness check-driver` on the driver. The harness's core serves no `signer.ecdh` and
/// sends empty init options, so the driver runs without Lightning links there: `headers-exchange`
/// needs a peer and a core holding a node key, which the two-driver and pyln tests provide.
@Suite("Lightning driver: check-driver") struct CheckDriverTests {
    private struct JSONReport: Decodable {
        struct Finding: Decodable {
            let check: String
            let passed: Bool
            let detail: String
        }
        let findings: [Finding]
    }

    @Test("every protocol check passes (headers-exchange needs a linked peer)")
    func conformance() async throws {
        let harness = try BuiltProduct.path("altnet-harness")
        let driver = try LightningFixtures.driver()
        let output = try await offPool { () throws -> Data in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: harness)
            process.arguments = ["check-driver", "--json", driver]
            let stdout = Pipe()
            process.standardOutput = stdout
            process.standardError = FileHandle.nullDevice
            try process.run()
            let data = stdout.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return data
        }
        let report = try JSONDecoder().decode(JSONReport.self, from: output)
        #expect(report.findings.count == 12)
        for finding in report.findings where finding.check != "headers-exchange" {
            #expect(finding.passed, "\(finding.check): \(finding.detail)")
        }
    }
}
