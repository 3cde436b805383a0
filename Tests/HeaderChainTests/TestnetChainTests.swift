import BitcoinPrimitives
import Testing
@testable import HeaderChain

/// testnet3 and testnet4 rules on mined headers. The networks' rules with an easy pow limit
/// (nBits 0x207fffff) and a genesis at 0x201fffff, so a "real difficulty" block takes ~4 hashes.
@Suite struct TestnetChainTests {
    static let realBits: UInt32 = 0x201f_ffff
    static let minBits: UInt32 = 0x207f_ffff
    let source = HeaderSource("test")

    func chain(_ params: ChainParams) -> HeaderChain { HeaderChain(params: params, anchor: .genesis(params)) }

    func rejection(_ chain: inout HeaderChain, _ headers: [BlockHeader]) -> HeaderRejection? {
        do {
            _ = try chain.accept(headers, from: source, now: farFuture)
            return nil
        } catch { return error }
    }

    @Test(arguments: [ChainParams.testnet3, ChainParams.testnet4])
    func twentyMinuteRuleAndWalkBack(_ base: ChainParams) throws {
        let params = TestMiner.params(base, genesisBits: Self.realBits)
        #expect(params.powLimitBits == Self.minBits)
        var c = chain(params)
        let g = params.genesis
        // 1200 s after the parent is not enough for a min-difficulty block.
        let early = TestMiner.child(of: g, time: g.time + 1200, bits: Self.minBits)
        #expect(rejection(&c, [early])?.rule == .badDifficultyBits(expected: Self.realBits, actual: Self.minBits))
        // 1201 s is.
        let minDiff = TestMiner.child(of: g, time: g.time + 1201, bits: Self.minBits)
        _ = try c.accept([minDiff], from: source, now: farFuture)
        // The next normal block walks back past the min-difficulty one to the real target.
        let wrong = TestMiner.child(of: minDiff, time: minDiff.time + 600, bits: Self.minBits)
        #expect(rejection(&c, [wrong])?.rule == .badDifficultyBits(expected: Self.realBits, actual: Self.minBits))
        let right = TestMiner.child(of: minDiff, time: minDiff.time + 600, bits: Self.realBits)
        _ = try c.accept([right], from: source, now: farFuture)
        #expect(c.tip.height == 2)
        // Min-difficulty blocks carry little work: chain work = genesis + min + real.
        let expectedWork = ProofOfWork.work(bits: Self.realBits) &+ ProofOfWork.work(bits: Self.minBits)
            &+ ProofOfWork.work(bits: Self.realBits)
        #expect(c.tip.chainWork == expectedWork)
    }

    /// A period whose last block is a min-difficulty block: testnet3 retargets from that block's
    /// nBits (its "block storm" bug), testnet4 (BIP94) from the period's first block.
    @Test(arguments: [ChainParams.testnet3, ChainParams.testnet4])
    func retargetAfterAMinDifficultyLastBlock(_ base: ChainParams) throws {
        let params = TestMiner.params(base, genesisBits: Self.realBits)
        var c = chain(params)
        var period = TestMiner.run(after: params.genesis, count: 2014, spacing: 150, bits: Self.realBits)
        let last = TestMiner.child(of: period[2013], time: period[2013].time + 1201, bits: Self.minBits)
        period.append(last)
        _ = try c.accept(period, from: source, now: farFuture)
        #expect(c.tip.height == 2015)

        // Actual timespan: last time - first (genesis) time, within [timespan/4, 4 x timespan].
        let timespan = UInt64(last.time - params.genesis.time)
        #expect(timespan == 2013 * 150 + 1201 + 150)
        let fromBits = params.enforceBIP94 ? Self.realBits : Self.minBits
        func scaled(_ bits: UInt32) throws -> UInt32 {
            let value = try #require(CompactTarget.decode(bits).value.multiplied(by: timespan, dividedBy: 1_209_600))
            return CompactTarget.encode(min(value, params.powLimit))
        }
        let expected = try scaled(fromBits)
        let other = try scaled(params.enforceBIP94 ? Self.minBits : Self.realBits)
        #expect(expected != other)

        let time = last.time + 1  // not more than 20 minutes later: no min-difficulty exception anyway at a retarget
        let wrong = TestMiner.child(of: last, time: time, bits: other)
        #expect(rejection(&c, [wrong])?.rule == .badDifficultyBits(expected: expected, actual: other))
        let right = TestMiner.child(of: last, time: time, bits: expected)
        _ = try c.accept([right], from: source, now: farFuture)
        #expect(c.tip.height == 2016)
        // A retarget block may not use the min-difficulty exception, however late.
        var c2 = chain(params)
        _ = try c2.accept(period, from: source, now: farFuture)
        let late = TestMiner.child(of: last, time: last.time + 5000, bits: Self.minBits)
        #expect(rejection(&c2, [late])?.rule == .badDifficultyBits(expected: expected, actual: Self.minBits))
    }

    /// BIP94 timewarp: the first block of a period may be at most 600 s before its parent.
    @Test(arguments: [ChainParams.testnet3, ChainParams.testnet4])
    func timewarpLimit(_ base: ChainParams) throws {
        let params = TestMiner.params(base, genesisBits: Self.realBits)
        var c = chain(params)
        var period = TestMiner.run(after: params.genesis, count: 2014, spacing: 150, bits: Self.realBits)
        // The last block jumps ahead, so 601 s before it is still after median-time-past.
        let last = TestMiner.child(of: period[2013], time: period[2013].time + 1000, bits: Self.realBits)
        period.append(last)
        _ = try c.accept(period, from: source, now: farFuture)
        let bits = DifficultyRules.retarget(
            params: params,
            periodFirst: ChainEntry(height: 0, time: params.genesis.time, bits: params.genesis.bits),
            last: ChainEntry(height: 2015, time: last.time, bits: last.bits))
        let warped = TestMiner.child(of: last, time: last.time - 601, bits: bits)
        let verdict = rejection(&c, [warped])
        if params.enforceBIP94 {
            #expect(verdict?.rule == .timewarp(previousTime: last.time))
            #expect(verdict?.coreReason == "time-timewarp-attack")
            #expect(verdict?.height == 2016)
        } else {
            #expect(verdict == nil, "testnet3 has no timewarp rule")
        }
        var c2 = chain(params)
        _ = try c2.accept(period, from: source, now: farFuture)
        let edge = TestMiner.child(of: last, time: last.time - 600, bits: bits)
        _ = try c2.accept([edge], from: source, now: farFuture)
        #expect(c2.tip.height == 2016)
    }

    @Test func anchorWithoutAncestorsReportsMissingContext() throws {
        // testnet3 anchored mid-period, with no ancestors: the walk-back needs earlier headers.
        let params = TestMiner.params(.testnet3, genesisBits: Self.realBits)
        let g = params.genesis
        let a1 = TestMiner.child(of: g, time: g.time + 1201, bits: Self.minBits)
        let anchor = try ChainAnchor(header: a1, height: 1, chainWork: UInt256(1_000))
        var c = HeaderChain(params: params, anchor: anchor)
        let next = TestMiner.child(of: a1, time: a1.time + 10, bits: Self.realBits)
        #expect(rejection(&c, [next])?.rule == .missingContext(.missingAncestor(height: 0)))
        // With the genesis as a trusted ancestor it validates.
        let withAncestor = try ChainAnchor(header: a1, height: 1, chainWork: UInt256(1_000), ancestors: [g])
        var c2 = HeaderChain(params: params, anchor: withAncestor)
        _ = try c2.accept([next], from: source, now: farFuture)
        #expect(c2.tip.height == 2)
        #expect(throws: ChainAnchor.Error.ancestorsDoNotLink(index: 0)) {
            try ChainAnchor(header: next, height: 2, chainWork: .zero, ancestors: [g])
        }
    }
}
