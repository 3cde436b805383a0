import Foundation

/// bitcoind's RPC cannot be reached. Its own kind, never a chain anomaly. Pure.
public enum UnreachableDetector {
    /// - Parameters:
    ///   - failingSince: the first failed poll of the current outage (nil: reachable).
    ///   - failures: failed polls in a row.
    ///   - lastError: the last error, as text.
    ///   - now: the evaluation time.
    /// - Returns: a critical ``AnomalyKind/bitcoindUnreachable``, or nothing.
    public static func detect(failingSince: Date?, failures: Int, lastError: String, now: Date) -> [Finding] {
        guard let since = failingSince else { return [] }
        return [Finding(
            kind: .bitcoindUnreachable, severity: .critical,
            reason: "bitcoind RPC unreachable for \(Int(now.timeIntervalSince(since))) s: \(lastError)",
            evidence: ["failed_polls": String(failures), "last_error": lastError,
                       "since": String(Int(since.timeIntervalSince1970))])]
    }
}
