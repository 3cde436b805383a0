import Testing
import TestSupport
@testable import BitcoinPrimitives

/// `ChainParams.minimumChainWork`: Core's `nMinimumChainWork` per network.
@Suite struct MinimumChainWorkTests {
    /// Mainnet's floor is the work of a block after the newest one in ../shared/data/mainnet
    /// (Core sets it at a recent block before each release), and within reason of it.
    @Test func mainnetLiesAboveTheSharedDataAndBelowASaneBound() throws {
        var work: [Int: UInt256] = [:]
        for row in try SharedData.rows("data/mainnet/chainwork.tsv", separator: "\t") {
            work[try #require(Int(row[0]))] = try UInt256(bigEndianHex: row[1])
        }
        let at830592 = try #require(work[830_592])
        let newest = try #require(work.max { $0.key < $1.key })
        let floor = ChainParams.main.minimumChainWork
        #expect(at830592 < floor, "block 830592 (2024) is older than Core's minimum-work block")
        #expect(newest.value < floor, "height \(newest.key) is older than Core's minimum-work block")
        // Chain work has roughly doubled every two years; 16x the work at 830592 is a decade or so.
        #expect(floor < at830592 &* 16)
        #expect(floor == (try UInt256(bigEndianHex: "0000000000000000000000000000000000000000dee8e2a309ad8a9820433c68")))
    }

    @Test func testNetworksHaveAFloorAndRegtestNone() throws {
        // Each a typo-proof constant: a bad literal would read as zero.
        for params in [ChainParams.testnet3, .testnet4, .signet] {
            #expect(!params.minimumChainWork.isZero, "\(params.network)")
            #expect(params.minimumChainWork < ChainParams.main.minimumChainWork, "\(params.network)")
        }
        #expect(ChainParams.testnet3.minimumChainWork
            == (try UInt256(bigEndianHex: "0000000000000000000000000000000000000000000016dd270dd94fac1d7632")))
        #expect(ChainParams.testnet4.minimumChainWork
            == (try UInt256(bigEndianHex: "00000000000000000000000000000000000000000000034a4690fe592dc49c7c")))
        #expect(ChainParams.signet.minimumChainWork
            == (try UInt256(bigEndianHex: "0000000000000000000000000000000000000000000000000000067d328e681a")))
        #expect(ChainParams.regtest.minimumChainWork.isZero)
    }

    /// An operator's override (altnet.conf `minchainwork`, as Core's `-minimumchainwork`).
    @Test func overrideKeepsTheOtherRules() {
        let custom = ChainParams.main.with(minimumChainWork: UInt256(42))
        #expect(custom.minimumChainWork == UInt256(42))
        #expect(custom.genesisHash == ChainParams.main.genesisHash)
        #expect(custom.powLimit == ChainParams.main.powLimit)
        #expect(ChainParams.main.with(powLimit: ChainParams.regtest.powLimit).minimumChainWork
            == ChainParams.main.minimumChainWork)
    }
}
