import Altstack
import DriverConformance
import Foundation
import Testing
import TestSupport

/// `altnet-harness check-driver` as users run it: exit status and `--json`.
@Suite(.serialized) struct HarnessCommandTests {
    private func harness() throws -> String {
        try BuiltProduct.path("altnet-harness")
    }

    private func run(_ arguments: [String]) throws -> (status: Int32, output: Data) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try harness())
        process.arguments = arguments
        process.currentDirectoryURL = SharedData.packageRoot
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        try process.run()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    private struct JSONReport: Decodable {
        struct Finding: Decodable {
            let check: String
            let passed: Bool
        }
        let passed: Bool
        let findings: [Finding]
    }

    @Test func exampleDriverPassesWithExitZero() throws {
        let (status, output) = try run(["check-driver", "drivers/example-python/driver.py"])
        let text = String(decoding: output, as: UTF8.self)
        #expect(status == 0, "\(text)")
        #expect(text.contains("all \(ConformanceCheck.allCases.count) checks passed"), "\(text)")
    }

    @Test func brokenDriverFailsWithExitOneAndJSONFindings() throws {
        let (status, output) = try run(["check-driver", "--json", "integration/driver_broken.py", "--fault", "noise"])
        #expect(status == 1)
        let report = try JSONDecoder().decode(JSONReport.self, from: output)
        #expect(!report.passed)
        #expect(report.findings.filter { !$0.passed }.map(\.check) == ["stdout-clean"])
    }
}
