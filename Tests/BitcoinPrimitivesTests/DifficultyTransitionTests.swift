import Testing
import TestSupport
@testable import BitcoinPrimitives

/// `DifficultyRules.isPermittedTransition` (Core's `PermittedDifficultyTransition`) and the
/// fixed-size `MedianTimeWindow` that headers presync relies on.
@Suite struct DifficultyTransitionTests {
    /// Every real mainnet retarget is permitted, and so is keeping nBits within a period.
    @Test func everyMainnetRetargetIsPermitted() throws {
        let headers = try DifficultyMainnetTests.boundaries()
        var checked = 0
        var period = 1
        while let last = headers[period * 2016 - 1], let next = headers[period * 2016] {
            #expect(DifficultyRules.isPermittedTransition(
                params: .main, height: period * 2016, oldBits: last.bits, newBits: next.bits))
            #expect(DifficultyRules.isPermittedTransition(
                params: .main, height: period * 2016 - 1, oldBits: last.bits, newBits: last.bits))
            checked += 1
            period += 1
        }
        #expect(checked == 413)
    }

    @Test func boundsAtARetarget() {
        let params = ChainParams.main
        let oldBits: UInt32 = 0x1703_4267
        let old = CompactTarget.decode(oldBits).value
        let quadruple = CompactTarget.encode(old.multiplied(by: 4, dividedBy: 1) ?? .zero)
        let quarter = CompactTarget.encode(old.multiplied(by: 1, dividedBy: 4) ?? .zero)
        for bits in [oldBits, quadruple, quarter] {
            #expect(DifficultyRules.isPermittedTransition(params: params, height: 2016 * 400, oldBits: oldBits, newBits: bits))
        }
        // One step of the mantissa past either bound.
        #expect(!DifficultyRules.isPermittedTransition(params: params, height: 2016 * 400, oldBits: oldBits, newBits: quadruple + 1))
        #expect(!DifficultyRules.isPermittedTransition(params: params, height: 2016 * 400, oldBits: oldBits, newBits: quarter - 1))
        // Off a retarget height nothing may change; at genesis's easiest the bound is powLimit.
        #expect(!DifficultyRules.isPermittedTransition(params: params, height: 2016 * 400 + 1, oldBits: oldBits, newBits: quarter))
        #expect(!DifficultyRules.isPermittedTransition(params: params, height: 2016, oldBits: 0x1d00_ffff, newBits: 0x1d01_0000))
        #expect(DifficultyRules.isPermittedTransition(params: params, height: 2016, oldBits: 0x1d00_ffff, newBits: 0x1d00_ffff))
        // Min-difficulty networks permit anything.
        #expect(DifficultyRules.isPermittedTransition(params: .testnet3, height: 5, oldBits: oldBits, newBits: 0x1d00_ffff))
    }

    @Test func medianTimeWindowKeepsElevenAndMatchesTheSortedMedian() {
        var window = MedianTimeWindow()
        var all: [UInt32] = []
        // Times out of order, as real chains have them.
        for i in 0..<40 {
            let time = UInt32(1_000 + (i * 7919) % 97)
            window.append(time)
            all.append(time)
            let last = Array(all.suffix(11))
            #expect(window.count == last.count)
            #expect(window.times.sorted() == last.sorted())
            #expect(window.medianTimePast == MedianTimePast.median(of: last))
            let median = MedianTimePast.median(of: last)
            #expect(!window.admits(median))
            #expect(window.admits(median + 1))
        }
        // 11 inline slots and two counters: nothing on the heap.
        #expect(MemoryLayout<MedianTimeWindow>.size <= 64)
    }
}
