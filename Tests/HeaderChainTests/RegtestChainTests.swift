import BitcoinPrimitives
import Testing
@testable import HeaderChain

/// regtest rules on headers mined inside the test (regtest's own genesis and powLimit).
@Suite struct RegtestChainTests {
    let params = ChainParams.regtest
    let source = HeaderSource("test")

    func freshChain(limits: HeaderChain.Limits = .init()) -> HeaderChain {
        HeaderChain(params: params, anchor: .genesis(params), limits: limits)
    }

    func expectRejection(
        _ chain: inout HeaderChain, _ headers: [BlockHeader], _ rule: HeaderRejection.Rule,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let before = chain.count
        do {
            _ = try chain.accept(headers, from: source, now: farFuture)
            Issue.record("accepted; expected \(rule)", sourceLocation: sourceLocation)
        } catch {
            #expect(error.rule == rule, sourceLocation: sourceLocation)
            #expect(error.hash == headers[error.indexInBatch].hash, sourceLocation: sourceLocation)
        }
        #expect(chain.count == before, "a refused batch leaves no trace", sourceLocation: sourceLocation)
    }

    @Test func noRetargetingAcrossTheBoundary() throws {
        var chain = freshChain()
        let headers = TestMiner.run(after: params.genesis, count: 2100, spacing: 1, bits: 0x207f_ffff)
        let result = try chain.accept(headers, from: source, now: farFuture)
        #expect(result.accepted.count == 2100)
        #expect(chain.tip.height == 2100)
        #expect(chain.tip.chainWork == UInt256(2 * 2101))
        // Not a retarget even though the period was 2016 s instead of two weeks.
        let bad = TestMiner.child(of: headers[2014], time: headers[2014].time + 1, bits: 0x207f_fffe)
        var fork = freshChain()
        _ = try fork.accept(headers[0..<2015], from: source, now: farFuture)
        expectRejection(&fork, [bad], .badDifficultyBits(expected: 0x207f_ffff, actual: 0x207f_fffe))
    }

    @Test func timeRules() throws {
        var chain = freshChain()
        let base = TestMiner.run(after: params.genesis, count: 11, spacing: 100, bits: 0x207f_ffff)
        _ = try chain.accept(base, from: source, now: farFuture)
        // MTP of the last 11 (heights 1 ... 11) is the 6th: genesis + 600.
        let mtp = params.genesis.time + 600
        let tooOld = TestMiner.child(of: base[10], time: mtp, bits: 0x207f_ffff)
        expectRejection(&chain, [tooOld], .timeTooOld(medianTimePast: mtp))
        let justAfter = TestMiner.child(of: base[10], time: mtp + 1, bits: 0x207f_ffff)
        _ = try chain.accept([justAfter], from: source, now: farFuture)

        let now = Int64(justAfter.time)
        let tooNew = TestMiner.child(of: justAfter, time: justAfter.time + 7201, bits: 0x207f_ffff)
        do {
            _ = try chain.accept([tooNew], from: source, now: now)
            Issue.record("header 7201 s ahead accepted")
        } catch {
            #expect(error.rule == .timeTooNew(limit: now + 7200))
            #expect(error.height == 13)
        }
        let edge = TestMiner.child(of: justAfter, time: justAfter.time + 7200, bits: 0x207f_ffff)
        _ = try chain.accept([edge], from: source, now: now)
        #expect(chain.tip.hash == edge.hash)
    }

    @Test func versionFloors() throws {
        var chain = freshChain()
        let v3 = TestMiner.child(of: params.genesis, time: params.genesis.time + 1, bits: 0x207f_ffff, version: 3)
        expectRejection(&chain, [v3], .badVersion(minimum: 4))
        let v4 = TestMiner.child(of: params.genesis, time: params.genesis.time + 1, bits: 0x207f_ffff, version: 4)
        _ = try chain.accept([v4], from: source, now: farFuture)
    }

    @Test func remixedFieldsGetTheirOwnErrors() throws {
        var chain = freshChain()
        let good = TestMiner.child(of: params.genesis, time: params.genesis.time + 1, bits: 0x207f_ffff)
        // Unknown parent, re-mined so PoW holds.
        var orphan = good
        orphan.previousBlockHash = BlockHash(Hash256(words: (1, 2, 3, 4)))
        TestMiner.mine(&orphan)
        expectRejection(&chain, [orphan], .doesNotConnect(previous: orphan.previousBlockHash))
        do {
            _ = try chain.accept([good, orphan], from: source, now: farFuture)
            Issue.record("orphan accepted")
        } catch {
            #expect(error.indexInBatch == 1 && error.height == nil && !error.isInvalidHeader)
            #expect(error.description.contains(orphan.hash.displayHex))
            #expect(error.description.contains("prev-blk-not-found"))
        }
        #expect(chain.count == 1, "the valid first header of the refused batch is not kept")
        // Not mined: high hash (find a nonce that misses the 1/2 target).
        var unmined = good
        while ProofOfWork.meets(unmined.hash, target: params.powLimit) { unmined.nonce &+= 1 }
        expectRejection(&chain, [unmined], .highHash)
        // Easier than the pow limit.
        var tooEasy = good
        tooEasy.bits = 0x2100_ffff
        expectRejection(&chain, [tooEasy], .badTarget(.aboveLimit))
        var negative = good
        negative.bits = 0x20ff_ffff
        expectRejection(&chain, [negative], .badTarget(.negative))
    }

    @Test func reorgToTheBranchWithMoreWork() throws {
        var chain = freshChain()
        let a = TestMiner.run(after: params.genesis, count: 5, spacing: 10, bits: 0x207f_ffff, tag: 1)
        let first = try chain.accept(a, from: source, now: farFuture)
        #expect(first.tipChange == .extended(oldTip: chain.header(atHeight: 0)!, newTip: chain.tip))
        // A branch from height 2 that ends up longer.
        let b = TestMiner.run(after: a[1], count: 4, spacing: 11, bits: 0x207f_ffff, tag: 2)
        let equalWork = try chain.accept(b[0..<3], from: source, now: farFuture)
        #expect(equalWork.tipChange == nil, "equal work: the first seen stays")
        #expect(chain.tip.hash == a[4].hash)
        let result = try chain.accept(b[3...], from: source, now: farFuture)
        guard case .reorganized(let fork, let old, let new)? = result.tipChange else {
            Issue.record("expected a reorg, got \(String(describing: result.tipChange))")
            return
        }
        #expect(fork.hash == a[1].hash && fork.height == 2)
        #expect(old.hash == a[4].hash && new.hash == b[3].hash && new.height == 6)
        #expect(chain.header(atHeight: 3)?.hash == b[0].hash)
        #expect(!chain.isOnBestChain(a[2].hash) && chain.header(a[2].hash) != nil)
        #expect(chain.tips.count == 2)
        let locator = chain.locator()
        #expect(locator == [6, 5, 4, 3, 2, 1, 0].compactMap { chain.header(atHeight: $0)?.hash })
    }

    @Test func forkCap() throws {
        var chain = freshChain(limits: .init(maxHeadersPerSource: 100, maxTips: 2))
        let main = TestMiner.run(after: params.genesis, count: 3, spacing: 10, bits: 0x207f_ffff, tag: 1)
        _ = try chain.accept(main, from: source, now: farFuture)
        let second = TestMiner.child(of: main[0], time: main[0].time + 5, bits: 0x207f_ffff, tag: 2)
        _ = try chain.accept([second], from: source, now: farFuture)
        let third = TestMiner.child(of: main[1], time: main[1].time + 5, bits: 0x207f_ffff, tag: 3)
        expectRejection(&chain, [third], .forkLimit(limit: 2))
        // Extending an existing branch is still fine.
        let extend = TestMiner.child(of: second, time: second.time + 5, bits: 0x207f_ffff, tag: 2)
        _ = try chain.accept([extend], from: source, now: farFuture)
        #expect(chain.tips.count == 2)
    }
}
