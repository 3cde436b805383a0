import Foundation

/// Turns findings over time into anomalies with a lifecycle. Pure value type.
///
/// ```
///   finding with a new key ──► open ──(finding again: refresh reason/evidence; severity)─┐
///                                │  ▲                                                   │
///                                │  └───────────────────────────────────────────────────┘
///                                └──(kind evaluated, key absent)──► closed (end = now)
/// ```
/// Kinds that were not evaluated in a round (chain detectors while bitcoind is unreachable)
/// keep their anomalies as they are: absence of evidence closes nothing.
public struct AnomalyTracker: Sendable {
    public private(set) var open: [String: Anomaly] = [:]
    private var nextID: UInt64 = 1

    public init() {}

    /// Applies one round of findings.
    /// - Parameters:
    ///   - findings: conditions found true now (several with one key: the most severe wins).
    ///   - evaluated: the kinds whose detectors ran this round; only these can close.
    ///   - now: the round's time.
    /// - Returns: the changes, opened and updated (severity changed) first, then closed, each in
    ///   key order. A reason or evidence that only refreshes (a growing gap) is no change.
    public mutating func update(findings: [Finding], evaluated: Set<AnomalyKind>, at now: Date) -> [AnomalyChange] {
        if findings.isEmpty && open.isEmpty { return [] }
        var byKey: [String: Finding] = [:]
        for f in findings {
            if let existing = byKey[f.key], existing.severity >= f.severity { continue }
            byKey[f.key] = f
        }
        var changes: [AnomalyChange] = []
        for key in byKey.keys.sorted() {
            guard let f = byKey[key] else { continue }
            if var a = open[key] {
                let changed = a.severity != f.severity
                a.severity = f.severity
                a.reason = f.reason
                a.evidence = f.evidence
                a.lastSeen = now
                open[key] = a
                if changed { changes.append(.updated(a)) }
            } else {
                let a = Anomaly(id: nextID, kind: f.kind, key: key, severity: f.severity, reason: f.reason,
                                evidence: f.evidence, start: now, end: nil, lastSeen: now)
                nextID += 1
                open[key] = a
                changes.append(.opened(a))
            }
        }
        for key in open.keys.sorted() {
            guard var a = open[key], evaluated.contains(a.kind), byKey[key] == nil else { continue }
            a.end = now
            open[key] = nil
            changes.append(.closed(a))
        }
        return changes
    }
}
