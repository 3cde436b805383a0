import BitcoinPrimitives

/// Peers that withheld a chain another source proved, demoted in their driver's choice for a
/// time (``AltLogicConfig/demotionTTL``): chosen only after every other peer of that driver.
/// A peer is demoted when it answered "nothing better" while a better valid chain existed and
/// its own word shows it knew: the height it announced when it connected was at least that
/// chain's, or a later answer of its own carries that chain while the chain's tip was already
/// older than ``AltLogicConfig/withholdGrace`` when the peer said "nothing better". Bounded.
struct PeerStanding: Sendable {
    /// A "nothing better" answer given while a better chain was proven by another source.
    struct Suspicion: Sendable {
        let provenTip: BlockHash
        /// The proven tip's header time (seconds since 1970).
        let provenTipTime: Double
        /// When the peer answered "nothing better" (seconds since 1970).
        let answeredAt: Double
    }

    /// Most peers remembered (demoted and suspected, each).
    static let capacity = 1_024

    private(set) var demotedUntil: [String: Duration] = [:]
    private(set) var suspicions: [String: Suspicion] = [:]

    /// - Parameters:
    ///   - key: `driver/peer`.
    ///   - now: the monotonic clock.
    func isDemoted(_ key: String, now: Duration) -> Bool {
        demotedUntil[key].map { now < $0 } ?? false
    }

    /// Demotes a peer until `until`.
    mutating func demote(_ key: String, until: Duration, now: Duration) {
        demotedUntil = demotedUntil.filter { $0.value > now }
        if demotedUntil.count >= Self.capacity, demotedUntil[key] == nil,
           let oldest = demotedUntil.min(by: { $0.value < $1.value })?.key {
            demotedUntil[oldest] = nil
        }
        demotedUntil[key] = until
        suspicions[key] = nil
    }

    /// Remembers a "nothing better" answer given while `tip` was proven.
    mutating func suspect(_ key: String, _ suspicion: Suspicion) {
        if suspicions.count >= Self.capacity, suspicions[key] == nil,
           let oldest = suspicions.min(by: { $0.value.answeredAt < $1.value.answeredAt })?.key {
            suspicions[oldest] = nil
        }
        suspicions[key] = suspicion
    }

    /// The suspicion on a peer, if any.
    func suspicion(of key: String) -> Suspicion? { suspicions[key] }
}
