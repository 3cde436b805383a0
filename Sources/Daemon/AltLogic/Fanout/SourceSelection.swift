/// Which peers a fan-out asks: per driver, up to `perDriver` of its candidates, at random,
/// spread over network groups, demoted peers last. Pure; the randomness is injected.
///
/// Random, so that no peer is asked first by construction: the rule it replaces answered from
/// the BIP324 driver's first connected peer and the Lightning driver's lowest node id, which an
/// attacker can arrange (connect first, grind a key). Spread over groups, as Bitcoin Core spreads
/// outbound connections (src/netgroup.cpp, `CConnman::ThreadOpenConnections` skips a group it
/// already has), so that many addresses in one range buy an attacker one source, not many.
///
/// Per driver, in this order, until `perDriver` are chosen:
/// ```
///   non-demoted ──> 1. one per network group, groups in random order, a random peer in each
///                   2. the rest of the non-demoted, in random order
///   demoted     ──> 3. one per group not yet chosen from, as in 1
///                   4. the rest, in random order
/// ```
/// A candidate without a peer id (`peer == nil`, the driver picks) is a group of its own.
public enum SourceSelection {
    /// For each driver, up to `perDriver` candidates chosen at random (rng injected), preferring
    /// distinct network groups (one per group first, then fill), non-demoted before demoted.
    ///
    /// - Parameters:
    ///   - candidates: every peer the fan-out may ask, any order; a repeated ``SourceCandidate/key``
    ///     counts once (its first occurrence).
    ///   - perDriver: the most to choose per driver; 0 or less chooses none.
    ///   - rng: the random source (a seeded generator in tests and the eclipse bench).
    /// - Returns: the chosen candidates, drivers in order of first appearance, each driver's in
    ///   the order chosen (so its first is the one a single request would use).
    public static func choose<R: RandomNumberGenerator>(_ candidates: [SourceCandidate], perDriver: Int,
                                                       using rng: inout R) -> [SourceCandidate] {
        guard perDriver > 0 else { return [] }
        var drivers: [String] = []
        var byDriver: [String: [SourceCandidate]] = [:]
        var seen: Set<String> = []
        for candidate in candidates where seen.insert(candidate.key).inserted {
            if byDriver[candidate.driver] == nil { drivers.append(candidate.driver) }
            byDriver[candidate.driver, default: []].append(candidate)
        }
        var chosen: [SourceCandidate] = []
        for driver in drivers {
            chosen += chooseWithinDriver(byDriver[driver] ?? [], count: perDriver, using: &rng)
        }
        return chosen
    }

    /// Steps 1 to 4 for one driver's candidates.
    private static func chooseWithinDriver<R: RandomNumberGenerator>(
        _ pool: [SourceCandidate], count: Int, using rng: inout R
    ) -> [SourceCandidate] {
        var picked: [SourceCandidate] = []
        var coveredGroups: Set<String> = []
        for tier in [pool.filter { !$0.demoted }, pool.filter(\.demoted)] where picked.count < count {
            // Groups in first-appearance order before shuffling, never a Dictionary's order
            // (seeded per process), so a seeded generator gives the same choice every run.
            var groups: [String] = []
            var members: [String: [Int]] = [:]
            for (index, candidate) in tier.enumerated() {
                let group = candidate.independenceGroup
                if members[group] == nil { groups.append(group) }
                members[group, default: []].append(index)
            }
            groups.shuffle(using: &rng)
            var taken = [Bool](repeating: false, count: tier.count)
            for group in groups where picked.count < count && !coveredGroups.contains(group) {
                guard let indices = members[group], !indices.isEmpty else { continue }
                let index = indices[Int.random(in: 0..<indices.count, using: &rng)]
                picked.append(tier[index])
                taken[index] = true
                coveredGroups.insert(group)
            }
            guard picked.count < count else { break }
            var rest = tier.indices.filter { !taken[$0] }
            rest.shuffle(using: &rng)
            for index in rest.prefix(count - picked.count) { picked.append(tier[index]) }
        }
        return picked
    }
}
