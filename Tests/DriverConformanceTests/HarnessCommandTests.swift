import Altstack
import DriverConformance
import Foundation
import Testing
import TestSupport

/// `altnet-harness check-driver` as users run it: exit status and `--json`.
@Suite(.serialized) struct HarnessCommandTests {
    private struct JSONReport: Decodable {
        struct Finding: Decodable {
            let check: String
            let passed: Bool
        }
        let passed: Bool
        let findings: [Finding]
    }

    @Test func exampleDriverPassesWithExitZero() async throws {
        let (status, text) = try await DriverFixtures.harness(["check-driver", "drivers/example-python/driver.py"])
        #expect(status == 0, "\(text)")
        #expect(text.contains("all \(ConformanceCheck.allCases.count) checks passed"), "\(text)")
    }

    @Test func brokenDriverFailsWithExitOneAndJSONFindings() async throws {
        let (status, output) = try await DriverFixtures.harness(["check-driver", "--json", "integration/driver_broken.py", "--fault", "noise"])
        #expect(status == 1)
        let report = try JSONDecoder().decode(JSONReport.self, from: Data(output.utf8))
        #expect(!report.passed)
        #expect(report.findings.filter { !$0.passed }.map(\.check) == ["stdout-clean"])
    }
}
