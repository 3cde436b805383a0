import AltLogic
import Testing

/// ``Quorum``: independent sources are distinct (driver, network group) pairs.
@Suite struct QuorumTests {
    func source(_ driver: String, _ peer: String?, _ group: String) -> SourceCandidate {
        SourceCandidate(driver: driver, peer: peer, group: group)
    }

    @Test func twoPeersOfOneDriverInOneGroupCountOnce() {
        let sources = [source("bip324", "1", "ipv4:203.0"), source("bip324", "2", "ipv4:203.0")]
        #expect(Quorum().independentCount(sources) == 1)
        #expect(!Quorum().isMet(by: sources))
        #expect(Quorum(required: 1).isMet(by: sources))
    }

    @Test func theSameGroupOverTwoDriversCountsTwice() {
        let sources = [source("bip324", "1", "ipv4:203.0"), source("ln", "02ab", "ipv4:203.0")]
        #expect(Quorum().independentCount(sources) == 2)
        #expect(Quorum().isMet(by: sources))
        #expect(!Quorum(required: 3).isMet(by: sources))
    }

    @Test func twoGroupsOfOneDriverCountTwice() {
        let sources = [source("bip324", "1", "ipv4:203.0"), source("bip324", "2", "ipv4:198.51")]
        #expect(Quorum().independentCount(sources) == 2)
        #expect(Quorum().isMet(by: sources))
    }

    @Test func repeatsAndMixedSetsCountDistinctPairs() {
        let sources = [
            source("bip324", "1", "ipv4:203.0"), source("bip324", "1", "ipv4:203.0"),  // one peer twice
            source("bip324", "2", "ipv4:203.0"), source("bip324", "3", "onion"),
            source("ln", "02ab", "onion"), source("ln", "02cd", "onion"),
        ]
        #expect(Quorum().independentCount(sources) == 3)
        #expect(Quorum(required: 3).isMet(by: sources))
        #expect(!Quorum(required: 4).isMet(by: sources))
    }

    @Test func aDriverPickedSourceIsAGroupOfItsOwn() {
        // Without a peer id nothing says which peer answered: never merged with a listed one.
        let sources = [source("bip324", "1", "ipv4:203.0"), source("bip324", nil, "ipv4:203.0")]
        #expect(Quorum().independentCount(sources) == 2)
        #expect(Quorum().independentCount([source("rpc", nil, "x"), source("rpc", nil, "y")]) == 1)
    }

    @Test func noAnswersNeverMeetAQuorum() {
        #expect(Quorum().required == 2)
        #expect(Quorum().independentCount([]) == 0)
        #expect(!Quorum().isMet(by: []))
        #expect(!Quorum(required: 0).isMet(by: []))
        #expect(!Quorum(required: -1).isMet(by: []))
        #expect(Quorum(required: 0).isMet(by: [source("bip324", "1", "g")]))
    }
}
