import Foundation

/// One line of `altnet-cli doctor`: what was checked, how it stands, and what to do about it.
///
/// altnetd produces the checks (control method `doctor`); altnet-cli prints one line each and
/// exits non-zero when any is ``Status/fail``.
public struct DoctorCheck: Codable, Sendable, Equatable {
    /// How a check stands.
    public enum Status: String, Codable, Sendable, Comparable {
        /// Fine.
        case ok = "OK"
        /// Works, but something should be looked at.
        case warn = "WARN"
        /// altnet cannot do its job until this is fixed.
        case fail = "FAIL"

        private var rank: Int {
            switch self {
            case .ok: 0
            case .warn: 1
            case .fail: 2
            }
        }

        public static func < (a: Status, b: Status) -> Bool { a.rank < b.rank }
    }

    /// Short name: `bitcoind`, `credentials`, `zmq`, `pruning`, `v2transport`, `driver bip324`, `clock`, `disk`.
    public var check: String
    public var status: Status
    /// What was found, in plain words.
    public var detail: String
    /// What to do (absent when nothing needs doing).
    public var fix: String?

    public init(_ check: String, _ status: Status, _ detail: String, fix: String? = nil) {
        self.check = check
        self.status = status
        self.detail = detail
        self.fix = fix
    }

    /// `FAIL zmq: bitcoind publishes no ZMQ notifications. Fix: add ...` (one line).
    public var line: String {
        let tag = status.rawValue.padding(toLength: 4, withPad: " ", startingAt: 0)
        return "\(tag) \(check): \(detail)" + (fix.map { ". Fix: \($0)" } ?? "")
    }

    /// The report as printed: one line per check.
    public static func render(_ checks: [DoctorCheck]) -> String {
        checks.map(\.line).joined(separator: "\n")
    }

    /// Exit status for a report: 1 when any check failed, else 0 (warnings do not fail).
    public static func exitStatus(_ checks: [DoctorCheck]) -> Int32 {
        checks.contains { $0.status == .fail } ? 1 : 0
    }
}
