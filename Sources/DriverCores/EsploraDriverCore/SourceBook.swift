import BitcoinPrimitives

/// The driver's running record of its sources: the ledger that compares them, and per source the
/// disagreements and failures seen, for the log and `esplora.listsources`.
actor SourceBook {
    private var ledger = SourceLedger()
    private var stats: [String: SourceStats] = [:]

    init(ids: [String]) {
        for id in ids { stats[id] = SourceStats(id: id) }
    }

    /// Records a source's hashes by height (a header walk's answer).
    /// - Returns: the disagreements found.
    func record(source: String, hashes: [(height: Int, hash: BlockHash)]) -> [SourceLedger.Disagreement] {
        var found: [SourceLedger.Disagreement] = []
        for (height, hash) in hashes {
            guard let d = ledger.record(source: source, height: height, hash: hash) else { continue }
            found.append(d)
            stats[source]?.disagreements += 1
            stats[source]?.lastDisagreement = d.description
            for other in d.others where other.value != hash {
                stats[other.key]?.disagreements += 1
                stats[other.key]?.lastDisagreement = d.description
            }
        }
        return found
    }

    /// Counts a request and its outcome.
    func count(source: String, failure: String?) {
        stats[source]?.requests += 1
        if let failure {
            stats[source]?.failures += 1
            stats[source]?.lastError = failure
        }
    }

    func all() -> [SourceStats] { stats.values.sorted { $0.id < $1.id } }
}

/// One source's figures (`esplora.listsources`).
public struct SourceStats: Codable, Sendable, Hashable {
    public var id: String
    public var requests = 0
    public var failures = 0
    public var disagreements = 0
    public var lastError: String?
    public var lastDisagreement: String?

    public init(id: String) { self.id = id }

    enum CodingKeys: String, CodingKey {
        case id, requests, failures, disagreements
        case lastError = "last_error"
        case lastDisagreement = "last_disagreement"
    }
}

/// `esplora.listsources`' result.
public struct ListSourcesResult: Codable, Sendable, Hashable {
    public var sources: [SourceStats]
    public init(sources: [SourceStats]) { self.sources = sources }
}
