import BitcoinPrimitives
import Foundation
import Testing
import TestSupport
@testable import HeaderChain

/// HeadersPresync on VaryingDifficultyChain: the same work as HeaderChain on an honest chain,
/// each check refusing its own broken header, a low-work fork found short, constant memory.
@Suite struct HeadersPresyncTests {
    /// 2,000 honest headers: 125 retargets, the target moving between T and 0.7 T.
    static let chain = VaryingDifficultyChain.honest(length: 2_000)
    var chain: VaryingDifficultyChain { Self.chain }
    var params: ChainParams { Self.chain.params }

    /// Feeds `headers` in batches of `size`.
    func feed(_ presync: inout HeadersPresync, _ headers: some Collection<BlockHeader>, size: Int, now: Int64) throws {
        var rest = Array(headers)[...]
        while !rest.isEmpty {
            try presync.feed(Array(rest.prefix(size)), now: now)
            rest = rest.dropFirst(size)
        }
    }

    /// A presync fed the honest chain up to `height` (from genesis).
    func presynced(to height: Int) throws -> HeadersPresync {
        var presync = HeadersPresync(params: params, anchor: .genesis(params))
        try feed(&presync, chain.headers[1...height], size: 500, now: chain.now)
        return presync
    }

    /// Expects `headers` refused for `rule` at `index`, the presync left as it was.
    func expectRefusal(
        _ presync: inout HeadersPresync, _ headers: [BlockHeader], now: Int64, _ rule: HeaderRejection.Rule,
        at index: Int = 0, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let before = (presync.height, presync.chainWork, presync.lastHash, presync.locator)
        do {
            try presync.feed(headers, now: now)
            Issue.record("accepted; expected \(rule)", sourceLocation: sourceLocation)
        } catch {
            #expect(error.rule == rule, sourceLocation: sourceLocation)
            #expect(error.indexInBatch == index, sourceLocation: sourceLocation)
            #expect(error.hash == headers[index].hash, sourceLocation: sourceLocation)
        }
        #expect(presync.height == before.0 && presync.chainWork == before.1, sourceLocation: sourceLocation)
        #expect(presync.lastHash == before.2 && presync.locator == before.3, sourceLocation: sourceLocation)
    }

    // MARK: The honest chain

    /// Differential: HeaderChain, which checks the exact rules and stores every header, and
    /// the presync, which keeps nothing, count the same work over the same varying-difficulty run.
    @Test func acceptsTheHonestChainWithHeaderChainsWork() throws {
        #expect(Set(chain.headers.map(\.bits)).count > 2, "difficulty varies")
        var headerChain = HeaderChain(params: params, anchor: .genesis(params))
        _ = try headerChain.accept(chain.headers.dropFirst(), from: HeaderSource("honest"), now: chain.now)
        var presync = HeadersPresync(params: params, anchor: .genesis(params))
        #expect(presync.locator == [params.genesisHash])
        try feed(&presync, chain.headers.dropFirst(), size: 333, now: chain.now)
        #expect(presync.height == chain.tipHeight && presync.count == chain.tipHeight)
        #expect(presync.lastHash == headerChain.tip.hash)
        #expect(presync.chainWork == headerChain.tip.chainWork)
        #expect(presync.chainWork == chain.chainWork[chain.tipHeight])
        #expect(presync.locator == [chain.tip.hash, params.genesisHash])
    }

    /// From an anchor inside a period, its ancestors seeding median-time-past: a timestamp after
    /// the median of the anchor's last 11 (yet before the anchor's own) passes, as in HeaderChain.
    @Test func anchoredInsideAPeriodMatchesHeaderChain() throws {
        let height = 1_000 + 5
        let anchor = try chain.anchor(at: height)
        var headerChain = HeaderChain(params: params, anchor: anchor)
        var presync = HeadersPresync(params: params, anchor: anchor)
        #expect(presync.retainedTimestamps == 11)
        let median = MedianTimePast.median(of: chain.headers[(height - 10)...height].map(\.time))
        let early = TestMiner.child(of: chain.headers[height], time: median + 1, bits: chain.headers[height].bits)
        #expect(early.time < chain.headers[height].time)
        var probe = presync
        try probe.feed([early], now: chain.now)
        var probeChain = HeaderChain(params: params, anchor: anchor)
        _ = try probeChain.accept([early], from: HeaderSource("probe"), now: chain.now)

        let rest = Array(chain.headers[(height + 1)...])
        _ = try headerChain.accept(rest, from: HeaderSource("honest"), now: chain.now)
        try feed(&presync, rest, size: 2_000, now: chain.now)
        #expect(presync.chainWork == headerChain.tip.chainWork)
        #expect(presync.count == rest.count && presync.anchorHeight == height)
    }

    // MARK: Each check

    @Test func rejectsABrokenLink() throws {
        var presync = try presynced(to: 100)
        // A valid sibling of header 100 (HeaderChain would store it as a branch): it does not
        // extend the last header fed, so the run is broken, second in its batch.
        let sibling = TestMiner.child(of: chain.headers[99], time: chain.headers[99].time + 640, bits: chain.headers[99].bits, tag: 9)
        var branching = HeaderChain(params: params, anchor: .genesis(params))
        _ = try branching.accept(chain.headers[1...100] + [sibling], from: HeaderSource("x"), now: chain.now)
        expectRefusal(
            &presync, [chain.headers[101], sibling], now: chain.now,
            .doesNotConnect(previous: chain.headers[99].hash), at: 1)
        try presync.feed([chain.headers[101]], now: chain.now)
        #expect(presync.height == 101)
    }

    @Test func rejectsABadProofOfWork() throws {
        var presync = try presynced(to: 200)
        var unmined = chain.headers[201]
        while ProofOfWork.meets(unmined.hash, target: CompactTarget.decode(unmined.bits).value) { unmined.nonce &+= 1 }
        expectRefusal(&presync, [unmined], now: chain.now, .highHash)
        // nBits easier than powLimit: refused as a bad target before its link or transition.
        let tooEasy = TestMiner.child(of: chain.headers[200], time: chain.headers[201].time, bits: 0x2100_ffff)
        expectRefusal(&presync, [tooEasy], now: chain.now, .badTarget(.aboveLimit))
        try presync.feed([chain.headers[201]], now: chain.now)
    }

    @Test func rejectsAnImpermissibleDifficultyJump() throws {
        // Off a retarget height: nBits must not change at all, even by one mantissa step.
        var presync = try presynced(to: 300)
        #expect(301 % VaryingDifficultyChain.retargetInterval != 0)
        let parent = chain.headers[300]
        let harder = TestMiner.child(of: parent, time: chain.headers[301].time, bits: parent.bits - 1)
        expectRefusal(&presync, [harder], now: chain.now, .impermissibleDifficulty(previous: parent.bits, actual: parent.bits - 1))

        // At a retarget: more than 4x easier or harder than the last target is refused; 4x
        // passes (the presync does not know the period's timestamps, HeaderChain does).
        let boundary = 320
        var atBoundary = try presynced(to: boundary - 1)
        let last = chain.headers[boundary - 1]
        let old = CompactTarget.decode(last.bits).value
        let time = chain.headers[boundary].time
        for factor: (UInt64, UInt64) in [(5, 1), (1, 5)] {
            let bits = CompactTarget.encode(try #require(old.multiplied(by: factor.0, dividedBy: factor.1)))
            let jump = TestMiner.child(of: last, time: time, bits: bits)
            expectRefusal(&atBoundary, [jump], now: chain.now, .impermissibleDifficulty(previous: last.bits, actual: bits))
        }
        let fourTimesEasier = CompactTarget.encode(try #require(old.multiplied(by: 4, dividedBy: 1)))
        #expect(fourTimesEasier != chain.headers[boundary].bits)
        let permitted = TestMiner.child(of: last, time: time, bits: fourTimesEasier)
        var probe = atBoundary
        try probe.feed([permitted], now: chain.now)
        var exact = HeaderChain(params: params, anchor: .genesis(params))
        _ = try exact.accept(chain.headers[1..<boundary], from: HeaderSource("x"), now: chain.now)
        #expect(throws: HeaderRejection.self) { try exact.accept([permitted], from: HeaderSource("x"), now: chain.now) }
    }

    @Test func rejectsATimeBeforeMedianTimePast() throws {
        var presync = try presynced(to: 400)
        let median = MedianTimePast.median(of: chain.headers[390...400].map(\.time))
        let bits = chain.headers[400].bits
        let atMedian = TestMiner.child(of: chain.headers[400], time: median, bits: bits)
        expectRefusal(&presync, [atMedian], now: chain.now, .timeTooOld(medianTimePast: median))
        let justAfter = TestMiner.child(of: chain.headers[400], time: median + 1, bits: bits)
        try presync.feed([justAfter], now: chain.now)
        #expect(presync.lastHash == justAfter.hash)
    }

    @Test func rejectsATimeTooFarInTheFuture() throws {
        var presync = try presynced(to: 500)
        let parent = chain.headers[500]
        let now = Int64(parent.time)
        let tooNew = TestMiner.child(of: parent, time: parent.time + 7_201, bits: parent.bits)
        expectRefusal(&presync, [tooNew], now: now, .timeTooNew(limit: now + 7_200))
        let edge = TestMiner.child(of: parent, time: parent.time + 7_200, bits: parent.bits)
        try presync.feed([edge], now: now)
        #expect(presync.height == 501)
    }

    // MARK: The low-work fork

    /// A fork from height 500 with 2,400 headers (2,900 in all, against the honest chain's
    /// 2,000): each header passes every check, and its work ends below the honest chain's, so a
    /// caller needing more than the honest chain's work refuses it.
    @Test func lowWorkForkHasMoreHeadersButLessWork() throws {
        let forkPoint = 500
        let fork = chain.lowWorkFork(from: forkPoint, length: 2_400)
        let now = VaryingDifficultyChain.clock(after: fork)
        #expect(forkPoint + fork.count > chain.tipHeight)
        #expect(fork.last?.bits == VaryingDifficultyChain.powLimitBits, "difficulty fell to powLimit")

        var presync = HeadersPresync(params: params, anchor: try chain.anchor(at: forkPoint))
        try feed(&presync, fork, size: 2_000, now: now)
        #expect(presync.height == forkPoint + fork.count)
        let honestWork = chain.chainWork[chain.tipHeight]
        #expect(presync.chainWork < honestWork)
        #expect(presync.chainWork == chain.chainWork[forkPoint] &+ VaryingDifficultyChain.work(of: fork))

        // The honest chain from the same anchor does reach it.
        var honest = HeadersPresync(params: params, anchor: try chain.anchor(at: forkPoint))
        try feed(&honest, chain.headers[(forkPoint + 1)...], size: 2_000, now: now)
        #expect(!(honest.chainWork < honestWork))
    }

    // MARK: Memory

    /// 100,000 fork headers in batches of 2,000: the stored state stays the same size, at most
    /// 11 timestamps are held, and resident memory grows by less than the headers would take.
    @Test func memoryStaysConstantOver100kHeaders() throws {
        let forkPoint = 1_000
        var miner = chain.forkMiner(from: forkPoint, schedule: .lowWork)
        var presync = HeadersPresync(params: params, anchor: try chain.anchor(at: forkPoint))
        let now = Int64(UInt32.max)
        // Warm up (first batch allocates what later ones reuse), then measure.
        try presync.feed(miner.next(2_000), now: now)
        let before = try ResidentMemory.kib()
        var maxTimestamps = 0
        for _ in 0..<49 {
            try presync.feed(miner.next(2_000), now: now)
            maxTimestamps = max(maxTimestamps, presync.retainedTimestamps)
        }
        let after = try ResidentMemory.kib()
        #expect(presync.count == 100_000)
        #expect(maxTimestamps == 11)
        // What the struct holds is all there is: params, hashes, counters, 11 inline timestamps.
        #expect(MemoryLayout<HeadersPresync>.size < 1_024)
        // 100,000 headers are 8,000 KB raw; the presync must hold none of them.
        #expect(after - before < 3_000, "VmRSS grew \(after - before) KiB")
    }
}
