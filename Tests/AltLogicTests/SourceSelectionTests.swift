import AltLogic
import BitcoinPrimitives
import Testing
import TestSupport

/// ``SourceSelection/choose(_:perDriver:using:)``: random, spread over network groups,
/// demoted peers last, at most `perDriver` per driver.
@Suite struct SourceSelectionTests {
    func peer(_ driver: String, _ id: String, _ group: String, demoted: Bool = false) -> SourceCandidate {
        SourceCandidate(driver: driver, peer: id, group: group, demoted: demoted)
    }

    /// How often each key was chosen over `draws` calls.
    func tally(_ candidates: [SourceCandidate], perDriver: Int, draws: Int, seed: UInt64) -> [String: Int] {
        var rng = SplitMix64(seed: seed)
        var counts: [String: Int] = [:]
        for _ in 0..<draws {
            for chosen in SourceSelection.choose(candidates, perDriver: perDriver, using: &rng) {
                counts[chosen.key, default: 0] += 1
            }
        }
        return counts
    }

    @Test func oneFromEachGroupBeforeASecondFromAny() {
        // Four peers in one /16 and one each in two others: random picks of 3 out of 6 would
        // often take two from the crowded group; the rule never does.
        let candidates = [
            peer("bip324", "1", "ipv4:10.1"), peer("bip324", "2", "ipv4:10.1"), peer("bip324", "3", "ipv4:10.1"),
            peer("bip324", "4", "ipv4:10.1"), peer("bip324", "5", "ipv4:203.0"), peer("bip324", "6", "onion"),
        ]
        var rng = SplitMix64(seed: 14)
        for _ in 0..<100 {
            let three = SourceSelection.choose(candidates, perDriver: 3, using: &rng)
            #expect(Set(three.map(\.group)) == ["ipv4:10.1", "ipv4:203.0", "onion"], "\(three)")
            let four = SourceSelection.choose(candidates, perDriver: 4, using: &rng)
            #expect(four.count == 4)
            #expect(Set(four.map(\.key)).count == 4)
            #expect(Set(four.prefix(3).map(\.group)).count == 3, "groups first, then fill: \(four)")
            #expect(four.filter { $0.group == "ipv4:10.1" }.count == 2)
        }
    }

    @Test func whenGroupsOutnumberTheSlotsWhichGroupsIsRandom() {
        let candidates = (0..<6).map { peer("ln", "n\($0)", "g\($0)") }
        let counts = tally(candidates, perDriver: 2, draws: 300, seed: 7)
        // 600 picks over 6 peers: 100 each expected (binomial sd about 8).
        for candidate in candidates {
            #expect((60...140).contains(counts[candidate.key] ?? 0), "\(counts)")
        }
    }

    @Test func theFirstSortedPeerIsNotAlwaysChosen() {
        // Eight peers in distinct groups, one asked per draw (the old rule always asked the first).
        let spread = (0..<8).map { peer("bip324", String($0), "ipv4:10.\($0)") }
        let counts = tally(spread, perDriver: 1, draws: 200, seed: 2024)
        #expect(counts.values.reduce(0, +) == 200)
        for candidate in spread {
            // 25 expected (binomial sd 4.7); 10...45 holds for any reasonable generator.
            #expect((10...45).contains(counts[candidate.key] ?? 0), "\(candidate.key): \(counts)")
        }
        // The same within one group: the peer in it is chosen at random too.
        let crowded = (0..<8).map { peer("ln", "0\($0)aa", "ipv4:127.0") }
        let crowdedCounts = tally(crowded, perDriver: 1, draws: 200, seed: 99)
        for candidate in crowded {
            #expect((10...45).contains(crowdedCounts[candidate.key] ?? 0), "\(candidate.key): \(crowdedCounts)")
        }
    }

    @Test func demotedPeersComeLast() {
        let candidates = [
            peer("bip324", "1", "g1", demoted: true), peer("bip324", "2", "g2", demoted: true),
            peer("bip324", "3", "g3"), peer("bip324", "4", "g3"),
        ]
        var rng = SplitMix64(seed: 5)
        for _ in 0..<100 {
            // Two non-demoted peers fill two slots although they share a group and the demoted
            // ones are in groups of their own.
            let two = SourceSelection.choose(candidates, perDriver: 2, using: &rng)
            #expect(Set(two.map(\.key)) == ["bip324/3", "bip324/4"], "\(two)")
            let three = SourceSelection.choose(candidates, perDriver: 3, using: &rng)
            #expect(three.prefix(2).allSatisfy { !$0.demoted } && three[2].demoted, "\(three)")
        }
        // Demoted peers are still asked when nothing else is left.
        let onlyDemoted = candidates.filter(\.demoted)
        #expect(Set(SourceSelection.choose(onlyDemoted, perDriver: 4, using: &rng).map(\.key)) == ["bip324/1", "bip324/2"])
        // And both demoted are chosen at random, not the first listed.
        let counts = tally(candidates, perDriver: 3, draws: 200, seed: 11)
        #expect((60...140).contains(counts["bip324/1"] ?? 0) && (60...140).contains(counts["bip324/2"] ?? 0), "\(counts)")
    }

    @Test func atMostPerDriverFromEachDriver() {
        let candidates = (0..<6).map { peer("bip324", String($0), "g\($0)") }
            + [peer("ln", "02aa", "g0"), peer("ln", "02bb", "g1")]
            + (0..<5).map { peer("tor", String($0), "onion") }
        var rng = SplitMix64(seed: 3)
        for perDriver in 0...7 {
            let chosen = SourceSelection.choose(candidates, perDriver: perDriver, using: &rng)
            #expect(chosen.filter { $0.driver == "bip324" }.count == min(perDriver, 6))
            #expect(chosen.filter { $0.driver == "ln" }.count == min(perDriver, 2))
            #expect(chosen.filter { $0.driver == "tor" }.count == min(perDriver, 5))
            #expect(Set(chosen.map(\.key)).count == chosen.count, "no peer twice")
            // Drivers stay together, in the order they first appear.
            var order: [String] = []
            for c in chosen where order.last != c.driver { order.append(c.driver) }
            #expect(order == ["bip324", "ln", "tor"].filter { _ in perDriver > 0 })
        }
        #expect(SourceSelection.choose(candidates, perDriver: -1, using: &rng).isEmpty)
        #expect(SourceSelection.choose([], perDriver: 4, using: &rng).isEmpty)
        // A repeated key is one candidate.
        let repeated = [peer("ln", "02aa", "g0"), peer("ln", "02aa", "g0"), peer("ln", "02aa", "g0")]
        #expect(SourceSelection.choose(repeated, perDriver: 3, using: &rng).count == 1)
    }

    @Test func aDriverPickedCandidateIsAGroupOfItsOwn() {
        // Given the same group as two listed peers, the driver-picked candidate is still chosen
        // in the first pass; were it grouped with them it would miss one draw in three.
        let candidates = [peer("rpc", "a", "g"), peer("rpc", "b", "g"), SourceCandidate(driver: "rpc", peer: nil, group: "g")]
        var rng = SplitMix64(seed: 8)
        for _ in 0..<60 {
            let two = SourceSelection.choose(candidates, perDriver: 2, using: &rng)
            #expect(two.contains { $0.peer == nil }, "\(two)")
        }
    }

    @Test func theSameSeedGivesTheSameChoice() {
        let candidates = (0..<10).map { peer("bip324", String($0), "g\($0 % 4)") }
        var a = SplitMix64(seed: 42)
        var b = SplitMix64(seed: 42)
        for _ in 0..<20 {
            #expect(SourceSelection.choose(candidates, perDriver: 4, using: &a)
                    == SourceSelection.choose(candidates, perDriver: 4, using: &b))
        }
    }
}
