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

    /// Ends every subscriber's stream (service shutdown).
    public func finish() {
        for continuation in subscribers.values { continuation.finish() }
        subscribers.removeAll()
    }
}
