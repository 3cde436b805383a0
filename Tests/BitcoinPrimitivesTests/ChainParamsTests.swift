import Testing
@testable import BitcoinPrimitives

@Suite struct ChainParamsTests {
    /// Genesis hashes as bitcoind prints them (src/kernel/chainparams.cpp asserts).
    static let genesisHashes: [(Network, String)] = [
        (.main, "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f"),
        (.testnet3, "000000000933ea01ad0ee984209779baaec3ced90fa3f408719526f8d77f4943"),
        (.testnet4, "00000000da84f2bafbbc53dee25a72ae507ff4914b867c565be350b0da8bf043"),
        (.signet, "00000008819873e925422c1ff0f99f7cc9bbb232af63a077a480a3633bee1ef6"),
        (.regtest, "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206"),
    ]

    @Test(arguments: genesisHashes)
    func genesisHash(_ network: Network, _ expected: String) throws {
        let params = ChainParams.forNetwork(network)
        #expect(params.genesisHash == (try BlockHash(displayHex: expected)))
        #expect(params.network == network)
        // The genesis header round-trips and meets its own target within the pow limit.
        #expect(try BlockHeader(bytes: params.genesis.serialized) == params.genesis)
        let target = try ProofOfWork.target(bits: params.genesis.bits, powLimit: params.powLimit)
        #expect(ProofOfWork.meets(params.genesisHash, target: target))
        #expect(params.difficultyAdjustmentInterval == 2016)
        #expect(params.messageStart.count == 4)
    }

    @Test func networkNamesMatchTheConfigFile() {
        #expect(Network(rawValue: "testnet4") == .testnet4)
        #expect(Network(rawValue: "mainnet") == nil)
        #expect(ChainParams.main.defaultP2PPort == 8333 && ChainParams.regtest.defaultRPCPort == 18443)
        #expect(ChainParams.testnet4.enforceBIP94 && !ChainParams.testnet3.enforceBIP94)
        #expect(ChainParams.regtest.noRetargeting && ChainParams.testnet3.allowMinDifficultyBlocks)
        #expect(!ChainParams.signet.allowMinDifficultyBlocks && !ChainParams.main.allowMinDifficultyBlocks)
    }
}
