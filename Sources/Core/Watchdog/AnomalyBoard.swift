import Foundation

/// The watchdog's published state: open anomalies, recently closed ones, and live change
/// streams for whoever listens (altnetd's AltLogicValidation, `altnet-cli listanomalies`).
public actor AnomalyBoard {
    /// Closed anomalies kept for `listanomalies`.
    public let historyLimit: Int
    public private(set) var open: [String: Anomaly] = [:]
    public private(set) var closed: [Anomaly] = []
    private var subscribers: [Int: AsyncStream<AnomalyChange>.Continuation] = [:]
    private var nextSubscriber = 0

    public init(historyLimit: Int = 256) { self.historyLimit = max(0, historyLimit) }

    /// Open anomalies, oldest first.
    public var openAnomalies: [Anomaly] { open.values.sorted { $0.id < $1.id } }

    /// Applies changes and forwards them to every subscriber.
    /// - Parameter changes: from ``WatchdogEngine``.
    public func apply(_ changes: [AnomalyChange]) {
        for change in changes {
            switch change {
            case .opened(let a), .updated(let a):
                open[a.key] = a
            case .closed(let a):
                open[a.key] = nil
                closed.append(a)
                if closed.count > historyLimit { closed.removeFirst(closed.count - historyLimit) }
            }
            for continuation in subscribers.values { continuation.yield(change) }
        }
    }

    /// A stream of every change from now on. Each subscriber buffers up to `buffer` changes
    /// (the newest kept) if it reads slowly.
    /// - Parameter buffer: the subscriber's buffer size.
    /// - Returns: the changes.
    public func subscribe(buffer: Int = 1024) -> AsyncStream<AnomalyChange> {
        let (stream, continuation) = AsyncStream.makeStream(of: AnomalyChange.self,
                                                            bufferingPolicy: .bufferingNewest(max(1, buffer)))
        let id = nextSubscriber
        nextSubscriber += 1
        subscribers[id] = continuation
        continuation.onTermination = { [weak self] _ in
            Task { await self?.unsubscribe(id) }
        }
        return stream
    }

    private func unsubscribe(_ id: Int) { subscribers[id] = nil }

    /// Records what a rescue made of an open anomaly (``Anomaly/outcome``) and publishes it as
    /// an update. Detector anomalies stay open until their detector clears them; anomalies
    /// raised with ``raise(_:outcome:)`` close here when the outcome is `caught-up`.
    /// - Parameters:
    ///   - id: the anomaly.
    ///   - outcome: e.g. `caught-up`, `no-better-chain`, `failed: ...`.
    public func resolve(id: UInt64, outcome: String) {
        guard var a = open.values.first(where: { $0.id == id }) else { return }
        a.outcome = outcome
        if a.id >= Self.raisedIDBase, outcome == "caught-up" {
            a.end = Date()
            apply([.closed(a)])
        } else {
            apply([.updated(a)])
        }
    }

    /// Opens an anomaly found outside the detectors (AltLogic's cross-check), or refreshes the
    /// open one with the same key. Its id is above ``raisedIDBase``, apart from the tracker's.
    /// - Parameters:
    ///   - finding: what was found.
    ///   - outcome: what was done about it already, if anything.
    /// - Returns: the anomaly.
    @discardableResult
    public func raise(_ finding: Finding, outcome: String? = nil) -> Anomaly {
        let now = Date()
        if var a = open[finding.key] {
            a.reason = finding.reason
            a.evidence = finding.evidence
            a.lastSeen = now
            a.outcome = outcome ?? a.outcome
            apply([.updated(a)])
            return a
        }
        var a = Anomaly(id: Self.raisedIDBase + nextRaisedID, kind: finding.kind, key: finding.key, severity: finding.severity,
                        reason: finding.reason, evidence: finding.evidence, start: now, end: nil, lastSeen: now)
        a.outcome = outcome
        nextRaisedID += 1
        apply([.opened(a)])
        return a
    }

    /// Closes open anomalies of a kind raised with ``raise(_:outcome:)`` (the condition is gone).
    /// - Parameters:
    ///   - kind: e.g. ``AnomalyKind/altnetBetterChain``.
    ///   - outcome: recorded on each.
    public func clear(kind: AnomalyKind, outcome: String? = nil) {
        let now = Date()
        let closing = open.values.filter { $0.kind == kind && $0.id >= Self.raisedIDBase }.map { a -> AnomalyChange in
            var a = a
            a.end = now
            a.outcome = outcome ?? a.outcome
            return .closed(a)
        }
        apply(closing)
    }

    /// Ids of anomalies raised outside the tracker start here.
    public static let raisedIDBase: UInt64 = 1 << 40
    private var nextRaisedID: UInt64 = 1

    /// Ends every subscriber's stream (service shutdown).
    public func finish() {
        for continuation in subscribers.values { continuation.finish() }
        subscribers.removeAll()
    }
}
