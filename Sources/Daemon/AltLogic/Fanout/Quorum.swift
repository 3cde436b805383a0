/// How many independent sources must say "nothing better" before a rescue or cross-check may
/// conclude `no-better-chain`. Pure.
///
/// An empty or lower-work `headers` reply only says that this peer has nothing better to show,
/// not that nothing better exists: a peer that is behind, or withholds, answers the same. One
/// such answer therefore never decides; `required` independent ones do. Independence is a
/// distinct (driver, network group) pair: two peers of one driver in one /16 (or one onion
/// network, see Watchdog's `NetworkGroup`) count once, as Bitcoin Core counts one outbound
/// slot per group (src/netgroup.cpp); the same group seen over two drivers counts twice, the
/// drivers being separate paths. Eclair's BlockchainWatchdog compares several independent
/// sources the same way before it believes the node's view.
public struct Quorum: Sendable, Equatable {
    /// Independent "nothing better" answers needed (altnet.conf `quorum`, default 2). A value
    /// below 1 acts as 1: zero answers never conclude anything.
    public var required: Int

    /// - Parameter required: independent answers needed (default 2).
    public init(required: Int = 2) {
        self.required = required
    }

    /// Independent sources among these: distinct (driver, group) pairs.
    ///
    /// - Parameter sources: the sources to count; repeats and several peers of one driver in
    ///   one group count once. A source without a peer id is a group of its own.
    /// - Returns: the number of distinct (driver, group) pairs.
    public func independentCount(_ sources: [SourceCandidate]) -> Int {
        Set(sources.map { Pair(driver: $0.driver, group: $0.independenceGroup) }).count
    }

    /// no-better-chain may be concluded when the sources that answered "nothing better"
    /// (empty or lower-work, valid) count >= required.
    ///
    /// - Parameter sources: the sources that answered "nothing better" (not those that timed
    ///   out, failed, or sent invalid headers).
    /// - Returns: whether their ``independentCount(_:)`` reaches ``required`` (at least 1).
    public func isMet(by sources: [SourceCandidate]) -> Bool {
        independentCount(sources) >= max(required, 1)
    }

    private struct Pair: Hashable {
        let driver: String
        let group: String
    }
}
