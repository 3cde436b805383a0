/// One check of the driver conformance suite.
public struct ConformanceFinding: Codable, Sendable, Hashable {
    /// The check's stable name, e.g. `manifest`, `stdout-clean`.
    public var check: String
    public var passed: Bool
    /// What was seen.
    public var detail: String
}

/// The result of running the conformance suite against one driver.
public struct ConformanceReport: Codable, Sendable, Hashable {
    /// The command line that was checked.
    public var command: [String]
    public var findings: [ConformanceFinding]

    /// True when every check passed.
    public var passed: Bool { !findings.isEmpty && findings.allSatisfy(\.passed) }

    /// The finding of a check by name.
    public func finding(_ check: String) -> ConformanceFinding? { findings.first { $0.check == check } }

    /// A human-readable report: one line per check, then a verdict.
    public var text: String {
        var lines = ["check-driver \(command.joined(separator: " "))"]
        for finding in findings {
            lines.append("  \(finding.passed ? "PASS" : "FAIL")  \(finding.check): \(finding.detail)")
        }
        let failed = findings.filter { !$0.passed }.count
        lines.append(failed == 0 ? "all \(findings.count) checks passed" : "\(failed) of \(findings.count) checks failed")
        return lines.joined(separator: "\n")
    }
}

/// The checks, in the order they run.
public enum ConformanceCheck: String, CaseIterable, Sendable {
    case manifest
    case versionMismatch = "version-mismatch"
    case initAccepted = "init"
    case heartbeat
    case unknownMethod = "unknown-method"
    case malformedLine = "malformed-line"
    case oversizedLine = "oversized-line"
    case concurrentRequests = "concurrent-requests"
    case headersExchange = "headers-exchange"
    case peerAddressing = "peer-addressing"
    case unknownPeer = "unknown-peer"
    case framing
    case role
    case shutdown
    case schemaValid = "schema-valid"
    case stdoutClean = "stdout-clean"
}
