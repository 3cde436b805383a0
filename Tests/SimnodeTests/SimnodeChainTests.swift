import BitcoinPrimitives
import JSON
import Testing

@testable import Simnode

/// The double's chain logic, without sockets.
@Suite struct SimnodeChainTests {
    @Test func genesisIsTheRegtestGenesis() throws {
        let genesis = try Regtest.genesis()
        // Regtest genesis hash, from Bitcoin Core chainparams.cpp (CRegTestParams).
        #expect(genesis.hash.displayHex == "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206")
        #expect(genesis.header.merkleRoot.displayHex == "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b")
        #expect(genesis.serialized.count == 285)
    }

    @Test func minedBlocksMeetTargetAndLink() throws {
        var chain = try SimChain()
        var parent = chain.tip
        for h in 1...20 {
            let block = try Miner.mine(
                parent: parent.hash, height: h, time: 1_700_000_000 + UInt32(h), scriptPubKey: [0x51])
            #expect(Regtest.meetsTarget(block.hash, bits: block.header.bits))
            #expect(block.header.previousBlockHash == parent.hash)
            #expect(Merkle.root(block.transactions.map(\.txid)) == block.header.merkleRoot)
            parent = try chain.add(header: block.header, block: block)
            let events = chain.activateBestChain()
            #expect(events.count == 2)
        }
        #expect(chain.height == 20)
        #expect(chain.tip.chainWork == 42)
    }

    @Test func targetCheckRejectsHighHash() throws {
        // The largest hash under 0x207fffff's target starts 7fffff; 0x80... is above it.
        let high = try BlockHash(displayHex: "80" + String(repeating: "00", count: 31))
        let low = try BlockHash(displayHex: "7fffff" + String(repeating: "00", count: 29))
        #expect(!Regtest.meetsTarget(high, bits: Regtest.bits))
        #expect(Regtest.meetsTarget(low, bits: Regtest.bits))
    }

    @Test func coinbaseCarriesBIP34HeightAndWitnessCommitment() throws {
        let block = try Miner.mine(parent: .zero, height: 300, time: 1, scriptPubKey: [0x51])
        let coinbase = block.transactions[0]
        #expect(coinbase.hasWitness)
        // After version, marker, flag, input count, prevout and length (44 bytes), the scriptSig starts with the height pushed as a script number: 300 = 0x012c -> 02 2c 01.
        #expect(Array(coinbase.bytes[44..<47]) == [0x02, 0x2c, 0x01])
        // Subsidy after two halvings: 12.5 BTC.
        #expect(Regtest.subsidy(height: 300) == 1_250_000_000)
        #expect(coinbase.bytes.hex.contains("6a24aa21a9ed"))
    }

    @Test func pushIntMatchesCScript() {
        #expect(Miner.pushInt(0) == [0x00])
        #expect(Miner.pushInt(16) == [0x60])
        #expect(Miner.pushInt(17) == [0x01, 0x11])
        #expect(Miner.pushInt(128) == [0x02, 0x80, 0x00])
        #expect(Miner.pushInt(-1) == [0x4f])
    }

    @Test func heavierForkReorganisesAndReportsInOrder() throws {
        var chain = try SimChain()
        let genesis = chain.tip.hash
        var a = chain.tip
        for h in 1...2 {
            let b = try Miner.mine(parent: a.hash, height: h, time: UInt32(1_700_000_000 + h), scriptPubKey: [0x51])
            a = try chain.add(header: b.header, block: b)
            _ = chain.activateBestChain()
        }
        var f = try #require(chain.entry(genesis))
        for h in 1...3 {
            let b = try Miner.mine(
                parent: f.hash, height: h, time: UInt32(1_700_000_000 + h), scriptPubKey: [0x51], extraNonce: 7)
            f = try chain.add(header: b.header, block: b)
        }
        let events = chain.activateBestChain()
        let kinds = events.map { e -> String in
            switch e {
            case .disconnected: return "D"
            case .connected: return "C"
            case .tipChanged: return "T"
            }
        }
        #expect(kinds == ["D", "D", "C", "C", "C", "T"])
        #expect(chain.tip.hash == f.hash)
        let tips = chain.tips
        #expect(tips.map { chain.status($0) } == ["active", "valid-fork"])
        #expect(tips[1].height - chain.forkHeight(tips[1]) == 2)
    }

    @Test func headersOnlyBranchDoesNotActivate() throws {
        var chain = try SimChain()
        var parent = chain.tip
        for h in 1...3 {
            let b = try Miner.mine(parent: parent.hash, height: h, time: UInt32(1_700_000_000 + h), scriptPubKey: [0x51])
            parent = try chain.add(header: b.header, block: nil)
        }
        #expect(chain.activateBestChain().isEmpty)
        #expect(chain.height == 0)
        #expect(chain.bestHeader.height == 3)
        #expect(chain.status(parent) == "headers-only")
    }

    @Test func invalidateFallsBackAndReconsiderRestores() throws {
        var chain = try SimChain()
        var parent = chain.tip
        var hashes: [BlockHash] = []
        for h in 1...3 {
            let b = try Miner.mine(parent: parent.hash, height: h, time: UInt32(1_700_000_000 + h), scriptPubKey: [0x51])
            parent = try chain.add(header: b.header, block: b)
            _ = chain.activateBestChain()
            hashes.append(b.hash)
        }
        _ = try chain.invalidate(hashes[1])
        #expect(chain.height == 1)
        #expect(chain.tips.map { chain.status($0) }.contains("invalid"))
        _ = try chain.reconsider(hashes[1])
        #expect(chain.height == 3)
        #expect(throws: SimChainError.genesis) { try chain.invalidate(chain.hash(atHeight: 0)!) }
    }

    @Test func regtestAddresses() {
        // BIP173's P2WPKH program 751e76e8199196d454941c45d1b3a323f1433bd6 with the regtest prefix.
        let p2wpkh = RegtestAddress.scriptPubKey("bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080")
        #expect(p2wpkh?.hex == "0014751e76e8199196d454941c45d1b3a323f1433bd6")
        #expect(RegtestAddress.scriptPubKey("bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt081") == nil)
        #expect(RegtestAddress.scriptPubKey("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080") == nil)
        #expect(RegtestAddress.scriptPubKey("not an address") == nil)
    }

    @Test func transactionParserRejectsGarbage() {
        #expect(throws: DecodingError.self) { try SimTransaction(bytes: [0x01, 0x00]) }
        #expect(throws: DecodingError.self) { try SimTransaction(bytes: [UInt8](repeating: 0xff, count: 100)) }
    }

    @Test func difficultyOfRegtestBits() {
        // bitcoind prints 4.656542373906925e-10 for regtest.
        #expect(JSONValue.double(Regtest.difficulty(bits: Regtest.bits)).text(.bitcoind) == "4.656542373906925e-10")
        #expect(JSONValue.amount(1000).text(.bitcoind) == "0.00001000")
        #expect(JSONValue.amount(-150_000_000).text(.bitcoind) == "-1.50000000")
    }
}
