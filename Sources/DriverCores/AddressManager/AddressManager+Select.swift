import BitcoinPrimitives

extension AddressManager {
    /// Picks an address to dial: new or tried table with even odds (when both hold candidates),
    /// then an address weighted by ``AddressRecord/chance(now:)``, skipping banned hosts, networks
    /// not in `networks`, groups in `excludingGroups` (one outbound peer per group), `excluding`,
    /// and addresses whose last failed tries were too recent (``retryDelay(attempts:)``).
    /// - Parameters:
    ///   - networks: the networks that may be dialled (`onlynet`).
    ///   - excludingGroups: groups that already have an outbound peer.
    ///   - excluding: addresses connected or being dialled.
    ///   - now: Unix seconds.
    ///   - rng: the randomness.
    /// - Returns: an address, or nil when no candidate is left.
    public func select<R: RandomNumberGenerator>(
        networks: Set<AddressNetwork>, excludingGroups: Set<AddressGroup>, excluding: Set<PeerAddress> = [],
        now: Int64, rng: inout R
    ) -> PeerAddress? {
        func candidates(_ slots: [Int: PeerAddress]) -> [AddressRecord] {
            slots.values.compactMap { address -> AddressRecord? in
                guard networks.contains(address.network), !excluding.contains(address), !isBanned(address, now: now),
                      !excludingGroups.contains(group(of: address)), let record = records[address],
                      record.lastTry == 0 || now - record.lastTry >= Self.retryDelay(attempts: record.attempts) else { return nil }
                return record
            }
        }
        let fromNew = candidates(newSlots)
        let fromTried = candidates(triedSlots)
        let pool: [AddressRecord]
        switch (fromNew.isEmpty, fromTried.isEmpty) {
        case (true, true): return nil
        case (false, true): pool = fromNew
        case (true, false): pool = fromTried
        case (false, false): pool = Bool.random(using: &rng) ? fromTried : fromNew
        }
        // Slot order is a dictionary's: sort so a seeded generator gives a repeatable pick.
        let sorted = pool.sorted { AddressManager.addressKey($0.address).lexicographicallyPrecedes(AddressManager.addressKey($1.address)) }
        let weights = sorted.map { $0.chance(now: now) }
        var point = Double.random(in: 0..<weights.reduce(0, +), using: &rng)
        for (record, weight) in zip(sorted, weights) {
            if point < weight { return record.address }
            point -= weight
        }
        return sorted.last?.address
    }

    /// Seconds an address waits after `attempts` tries without a handshake: none after a
    /// success, then 5 s doubling to 10 minutes (Core skips addresses tried in the last 10
    /// minutes; the doubling lets a peer that was briefly down come back sooner).
    public static func retryDelay(attempts: Int) -> Int64 {
        attempts <= 0 ? 0 : min(600, Int64(5) << Int64(min(attempts - 1, 7)))
    }

    /// What a `getaddr` is answered with (Core: at most 1,000 addresses and 23% of the book),
    /// leaving out terrible and banned ones, in random order.
    /// - Parameters:
    ///   - now: Unix seconds.
    ///   - rng: the randomness.
    public func sample<R: RandomNumberGenerator>(now: Int64, rng: inout R) -> [AddressEntry] {
        let limit = min(P2PLimits.maxAddresses, records.count * 23 / 100)
        let good = records.values.filter { !$0.isTerrible(now: now) && !isBanned($0.address, now: now) }
            .sorted { AddressManager.addressKey($0.address).lexicographicallyPrecedes(AddressManager.addressKey($1.address)) }
        return good.shuffled(using: &rng).prefix(limit).map { AddressEntry(time: $0.time, services: $0.services, address: $0.address) }
    }

    /// Addresses held, of every origin, for `listpeers`-style reports and tests.
    public var addresses: [PeerAddress] { Array(records.keys) }
}
