import Altstack
import DriverConformance
import Testing
import TestSupport

/// check-driver's suite against real subprocesses: the Python example, the Swift test driver,
/// and broken variants that must fail with the right finding.
@Suite(.serialized) struct ConformanceTests {
    private func check(_ executable: String, _ arguments: [String]) async -> ConformanceReport {
        await DriverConformance.run(DriverLaunch(executable: executable, arguments: arguments), logger: DriverFixtures.logger)
    }

    @Test func pythonExampleDriverPasses() async throws {
        let report = await check(try DriverFixtures.python(), [DriverFixtures.packageFile("drivers/example-python/driver.py")])
        #expect(report.passed, "\(report.text)")
        #expect(report.findings.count == ConformanceCheck.allCases.count)
        #expect(report.finding("headers-exchange")?.detail.contains("mem0") == true)
        #expect(report.finding("peer-addressing")?.detail.contains("1 listed peer(s) answered getheaders by id: mem0") == true,
                "\(report.text)")
        #expect(report.finding("unknown-peer")?.passed == true)
        #expect(report.finding("framing")?.detail.hasPrefix("binary framing not declared: ") == true, "\(report.text)")
    }

    /// A receive-only feed (integration/driver_feed.py): passes, and the `role` check shows it was
    /// sent nothing it cannot answer (no sendmessage, broadcasttx or disconnectpeer).
    @Test func receiveOnlyFeedPassesAndIsSentNoRequests() async throws {
        let report = await check(try DriverFixtures.python(), [DriverFixtures.packageFile("integration/driver_feed.py")])
        #expect(report.passed, "\(report.text)")
        #expect(report.finding("role")?.detail.hasPrefix("feed (receive only): sent no requests it cannot answer") == true, "\(report.text)")
        #expect(report.finding("headers-exchange")?.detail.contains("not applicable") == true, "\(report.text)")
        #expect(report.finding("unknown-peer")?.detail.contains("not applicable") == true || report.finding("unknown-peer")?.passed == true)
    }

    /// A feed that pushes a transaction (permitted by its kinds, so schema-valid passes) fails
    /// `role`: a feed's pushes are headers and blocks, its answers.
    @Test func feedPushingATransactionFailsRole() async throws {
        let report = await check(try DriverFixtures.python(), [DriverFixtures.packageFile("integration/driver_feed.py"), "--kinds", "headers,transactions", "--push-tx"])
        #expect(report.findings.filter { !$0.passed }.map(\.check) == ["role"], "\(report.text)")
        #expect(report.finding("role")?.detail.contains("first: tx") == true, "\(report.text)")
    }

    @Test func swiftTestDriverPasses() async throws {
        let report = await check(try DriverFixtures.testDriver(), ["--kinds", "headers,transactions"])
        #expect(report.passed, "\(report.text)")
        // DriverKit declares binary framing: the suite picks it and checks it (split and oversized frames).
        #expect(report.finding("framing")?.detail.hasPrefix("binary: ") == true, "\(report.text)")
        #expect(report.finding("framing")?.detail.contains("an oversized frame answered oversizedLine (-32001), still alive") == true, "\(report.text)")
    }

    /// The same driver told to declare JSON only: the suite keeps JSON lines, and passes.
    @Test func swiftTestDriverOnJSONOnlyPasses() async throws {
        let report = await check(try DriverFixtures.testDriver(), ["--kinds", "headers", "--json-only"])
        #expect(report.passed, "\(report.text)")
        #expect(report.finding("framing")?.detail.hasPrefix("binary framing not declared: ") == true, "\(report.text)")
    }

    @Test(arguments: [
        ("bad-manifest", "manifest"),
        ("noise", "stdout-clean"),
        ("silent", "manifest"),
        ("crash-on-init", "init"),
        ("ignore-peer", "unknown-peer"),
        ("wrong-peer", "peer-addressing"),
    ])
    func brokenVariantFailsWithTheRightFinding(fault: String, check failing: String) async throws {
        let report = await check(try DriverFixtures.python(), [DriverFixtures.packageFile("integration/driver_broken.py"), "--fault", fault])
        #expect(!report.passed)
        let finding = try #require(report.finding(failing))
        #expect(!finding.passed, "\(fault): expected \(failing) to fail\n\(report.text)")
        switch fault {
        case "noise":
            // Everything else about this driver is fine: the finding is precise.
            #expect(report.findings.filter { !$0.passed }.map(\.check) == ["stdout-clean"], "\(report.text)")
        case "crash-on-init":
            #expect(report.finding("manifest")?.passed == true)
            #expect(finding.detail.contains("exited"))
        case "silent":
            #expect(finding.detail.contains("unanswered"))
        case "ignore-peer":
            // Only the made-up peer gives it away; addressing its one real peer still works.
            #expect(report.findings.filter { !$0.passed }.map(\.check) == ["unknown-peer"], "\(report.text)")
            #expect(finding.detail.contains("was answered from peer mem0"), "\(finding.detail)")
        case "wrong-peer":
            #expect(finding.detail.contains("was answered from mem1"), "\(finding.detail)")
        default:
            #expect(finding.detail.contains("capabilities"))
        }
    }

    @Test func missingExecutableFailsEveryCheckWithAReason() async {
        let report = await check("/nonexistent/driver", [])
        #expect(!report.passed)
        #expect(report.findings.allSatisfy { !$0.passed && $0.detail.contains("could not start") })
    }
}
