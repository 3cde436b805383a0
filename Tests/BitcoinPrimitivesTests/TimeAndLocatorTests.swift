import Testing
@testable import BitcoinPrimitives

@Suite struct TimeAndLocatorTests {
    @Test func medianOfElevenAndFewer() {
        #expect(MedianTimePast.median(of: [UInt32]()) == 0)
        #expect(MedianTimePast.median(of: [5]) == 5)
        #expect(MedianTimePast.median(of: [3, 1]) == 3)  // sorted [1, 3], index 1, as Core
        #expect(MedianTimePast.median(of: [9, 1, 8, 2, 7, 3, 6, 4, 5, 10, 11]) == 6)
        var buffer: [UInt32] = [11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]
        #expect(buffer.withUnsafeMutableBufferPointer { MedianTimePast.medianInPlace($0) } == 6)
        #expect(MedianTimePast.isWithinFutureLimit(1000 + 7200, now: 1000))
        #expect(!MedianTimePast.isWithinFutureLimit(1000 + 7201, now: 1000))
    }

    @Test func locatorLikeCore() {
        // Ten single steps, then doubling, ending with genesis.
        #expect(BlockLocator.heights(tipHeight: 0) == [0])
        #expect(BlockLocator.heights(tipHeight: 5) == [5, 4, 3, 2, 1, 0])
        #expect(BlockLocator.heights(tipHeight: 100) ==
            [100, 99, 98, 97, 96, 95, 94, 93, 92, 91, 90, 89, 87, 83, 75, 59, 27, 0])
        let big = BlockLocator.heights(tipHeight: 830_592)
        #expect(big.last == 0 && big.count < 40 && big.first == 830_592)
        #expect(zip(big, big.dropFirst()).allSatisfy { $0 > $1 })
        #expect(BlockLocator.heights(tipHeight: 822_540, lowest: 822_528).last == 822_528)
        #expect(BlockLocator.heights(tipHeight: 3, lowest: 5) == [])
    }
}
