import Testing
import TestSupport
@testable import BitcoinPrimitives

/// Every mainnet retarget and the chain work at every boundary, from ../shared/data/mainnet.
@Suite struct DifficultyMainnetTests {
    static func boundaries() throws -> [Int: BlockHeader] {
        var result: [Int: BlockHeader] = [:]
        for row in try SharedData.rows("data/mainnet/retarget-boundaries.tsv", separator: "\t") {
            let height = try #require(Int(row[0]))
            result[height] = try BlockHeader(bytes: try [UInt8](hex: row[1]))
        }
        return result
    }

    @Test func everyRetargetFromGenesisTo832608() throws {
        let headers = try Self.boundaries()
        let params = ChainParams.main
        var checked = 0
        var changed = 0
        var period = 0
        while let first = headers[period * 2016], let last = headers[period * 2016 + 2015],
              let next = headers[(period + 1) * 2016] {
            #expect(first.bits == last.bits, "mainnet keeps nBits within a period")
            let lastEntry = ChainEntry(height: period * 2016 + 2015, time: last.time, bits: last.bits)
            let firstEntry = ChainEntry(height: period * 2016, time: first.time, bits: first.bits)
            let computed = try DifficultyRules.nextBits(params: params, last: lastEntry, newTime: next.time) { h in
                h == firstEntry.height ? firstEntry : nil
            }
            #expect(computed == next.bits, "retarget at \((period + 1) * 2016)")
            if next.bits != last.bits { changed += 1 }
            checked += 1
            period += 1
        }
        #expect(checked == 413, "retargets at 2016, 4032, ..., 832608")
        #expect(changed > 300)
        #expect(headers[832_608] != nil)
    }

    @Test func chainWorkAtEveryHeightInChainworkTSV() throws {
        let headers = try Self.boundaries()
        let rows = try SharedData.rows("data/mainnet/chainwork.tsv", separator: "\t")
        #expect(rows.count > 800)
        // Work is constant within a period: cumulative work at 2016k-1 and 2016k follow from the
        // period's nBits.
        var cumulative: [Int: UInt256] = [:]
        var work = UInt256.zero
        var height = -1
        var period = 0
        while let first = headers[period * 2016] {
            let perHeader = ProofOfWork.work(bits: first.bits)
            work = work &+ perHeader
            height = period * 2016
            cumulative[height] = work
            if headers[period * 2016 + 2015] != nil {
                work = work &+ (perHeader &* 2015)
                cumulative[period * 2016 + 2015] = work
            }
            period += 1
        }
        var matched = 0
        for row in rows {
            let h = try #require(Int(row[0]))
            let expected = try UInt256(bigEndianHex: row[1])
            #expect(cumulative[h] == expected, "chain work at \(h)")
            matched += 1
        }
        #expect(matched == rows.count)
        #expect(height >= 830_592)
    }
}
