import Foundation
import Testing
import TestSupport

/// `altnet-harness check-driver` on the real driver, as a user runs it: the harness sees a
/// Lightning driver in the manifest, holds two throwaway node keys (answering `signer.ecdh`),
/// runs a second instance of the driver as the peer, and `headers-exchange` gets real regtest
/// headers over BOLT 8.
@Suite("Lightning driver: check-driver") struct CheckDriverTests {
    private struct JSONReport: Decodable {
        struct Finding: Decodable {
            let check: String
            let passed: Bool
            let detail: String
        }
        let findings: [Finding]
    }

    @Test("all 16 checks pass (role and binary framing among them), headers-exchange and peer addressing over a BOLT 8 link to a second instance")
    func conformance() async throws {
        let harness = try BuiltProduct.path("altnet-harness")
        let driver = try LightningFixtures.driver()
        let output = try await runToEnd(harness, ["check-driver", "--json", driver]).out
        let report = try JSONDecoder().decode(JSONReport.self, from: Data(output.utf8))
        #expect(report.findings.count == 16)
        #expect(report.findings.contains { $0.check == "role" && $0.detail.hasPrefix("two-way") })
        #expect(report.findings.contains { $0.check == "framing" && $0.detail.hasPrefix("binary: ") })
        for finding in report.findings {
            #expect(finding.passed, "\(finding.check): \(finding.detail)")
        }
        let exchange = try #require(report.findings.first { $0.check == "headers-exchange" })
        #expect(exchange.detail.contains("with 20 headers from 0"), "\(exchange.detail)")
        // The second instance is listed and answers when addressed by its node id; a made-up id is refused.
        let addressing = try #require(report.findings.first { $0.check == "peer-addressing" })
        #expect(addressing.detail.hasPrefix("1 listed peer(s) answered getheaders by id"), "\(addressing.detail)")
        let unknown = try #require(report.findings.first { $0.check == "unknown-peer" })
        #expect(unknown.detail.contains("-32004"), "\(unknown.detail)")
        let initFinding = try #require(report.findings.first { $0.check == "init" })
        #expect(initFinding.detail.contains("second instance"), "\(initFinding.detail)")
    }

    @Test("--no-peer: no peer, so headers-exchange fails and the exit status says so")
    func withoutPeer() async throws {
        let harness = try BuiltProduct.path("altnet-harness")
        let driver = try LightningFixtures.driver()
        let (status, output, _) = try await runToEnd(harness, ["check-driver", "--json", "--no-peer", driver])
        let report = try JSONDecoder().decode(JSONReport.self, from: Data(output.utf8))
        #expect(status == 1)
        #expect(report.findings.filter { !$0.passed }.map(\.check) == ["headers-exchange"])
    }
}
