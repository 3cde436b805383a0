import Testing
@testable import BitcoinPrimitives

@Suite struct BlockTests {
    @Test func mainnetGenesisBlock() throws {
        let genesis = try CodecSamples.genesisBlock()
        #expect(genesis.hash.displayHex == CodecSamples.genesisHash)
        let bytes = genesis.serialized()
        #expect(bytes.count == 285)
        let parsed = try Block(bytes: bytes)
        #expect(parsed == genesis)
        #expect(parsed.computeMerkleRoot().root == genesis.header.merkleRoot)
        try parsed.checkStructure()
        // Through the P2P codec too.
        #expect(try P2PMessage.decode(command: .block, payload: bytes) == .block(genesis))
    }

    @Test func truncatedAtEveryOffset() throws {
        let bytes = try CodecSamples.genesisBlock().serialized()
        for cut in 0..<bytes.count {
            #expect(throws: DecodingError.self, "cut at \(cut)") { try Block(bytes: bytes[0..<cut]) }
        }
    }

    @Test func oversizedBlockRefusedBeforeParsing() {
        let big = [UInt8](repeating: 0, count: Block.maxSerializedSize + 1)
        #expect(throws: DecodingError(.tooLarge(field: "block size", value: 4_000_001, limit: 4_000_000), at: 0)) {
            try Block(bytes: big)
        }
    }

    /// A coinbase paying to a distinct script per height, so each transaction hashes differently.
    static func coinbase(_ tag: UInt8, witnessReserved: [UInt8]? = nil, commitment: Hash256? = nil) -> Transaction {
        var outputs = [TxOut(value: 50, scriptPubKey: [0x51])]
        if let commitment { outputs.append(TxOut(value: 0, scriptPubKey: Block.witnessCommitmentPrefix + commitment.internalBytes)) }
        return Transaction(
            version: 1,
            inputs: [TxIn(previousOutput: .null, scriptSig: [0x01, tag], sequence: .max, witness: witnessReserved.map { [$0] } ?? [])],
            outputs: outputs, lockTime: 0)
    }

    static func spend(_ tag: UInt8, witness: [[UInt8]] = []) -> Transaction {
        Transaction(
            version: 2,
            inputs: [TxIn(previousOutput: OutPoint(txid: Txid(CodecSamples.hash(tag)), index: 0), scriptSig: [], sequence: 0, witness: witness)],
            outputs: [TxOut(value: Int64(tag), scriptPubKey: [0x51])], lockTime: 0)
    }

    static func block(_ txs: [Transaction]) -> Block {
        let header = BlockHeader(
            version: 0x2000_0000, previousBlockHash: .zero, merkleRoot: MerkleRoot.compute(txs.map(\.txid.hash)).root,
            time: 0, bits: 0x207f_ffff, nonce: 0)
        return Block(header: header, transactions: txs)
    }

    @Test func merkleRootOfSmallTrees() {
        let a = CodecSamples.hash(1), b = CodecSamples.hash(2), c = CodecSamples.hash(3)
        let ab = Hash256.sha256d(of: a.internalBytes + b.internalBytes)
        let cc = Hash256.sha256d(of: c.internalBytes + c.internalBytes)
        #expect(MerkleRoot.compute([]).root == .zero)
        #expect(MerkleRoot.compute([a]) == (a, false))
        #expect(MerkleRoot.compute([a, b]) == (ab, false))
        #expect(MerkleRoot.compute([a, b, c]) == (Hash256.sha256d(of: ab.internalBytes + cc.internalBytes), false))
    }

    /// CVE-2012-2459: [a, b, c] and [a, b, c, c] have the same root; the second is flagged.
    @Test func duplicatedTransactionsAreDetected() throws {
        let txs = [Self.coinbase(1), Self.spend(2), Self.spend(3)]
        let honest = Self.block(txs)
        try honest.checkStructure()
        var mutated = honest
        mutated.transactions.append(txs[2])
        let (root, isMutated) = mutated.computeMerkleRoot()
        #expect(root == honest.header.merkleRoot)
        #expect(isMutated)
        #expect(throws: BlockStructureError.mutatedMerkleTree) { try mutated.checkStructure() }
        // Six transactions extended to [t0...t5, t4, t5]: no equal pair among the leaves, but one
        // level up (h45, h45) is: same root, flagged.
        let six = [Self.coinbase(1)] + (2...6).map { Self.spend($0) }
        let eight = six + Array(six[4...5])
        let (sixRoot, sixMutated) = MerkleRoot.compute(six.map(\.txid.hash))
        let (eightRoot, eightMutated) = MerkleRoot.compute(eight.map(\.txid.hash))
        #expect(sixRoot == eightRoot)
        #expect(!sixMutated)
        #expect(eightMutated)
    }

    @Test func structuralErrors() throws {
        #expect(throws: BlockStructureError.noTransactions) { try Self.block([]).checkStructure() }
        #expect(throws: BlockStructureError.firstNotCoinbase) { try Self.block([Self.spend(1)]).checkStructure() }
        var wrongRoot = Self.block([Self.coinbase(1)])
        wrongRoot.header.merkleRoot = .zero
        #expect(throws: BlockStructureError.self) { try wrongRoot.checkStructure() }
    }

    @Test func witnessCommitment() throws {
        let reserved = [UInt8](repeating: 0, count: 32)
        let spend = Self.spend(2, witness: [[0x30, 0x44], [0x02]])
        // Witness root: coinbase wtxid counted as zero.
        let witnessRoot = MerkleRoot.compute([.zero, spend.wtxid.hash]).root
        let commitment = Hash256.sha256d(of: witnessRoot.internalBytes + reserved)
        let good = Self.block([Self.coinbase(1, witnessReserved: reserved, commitment: commitment), spend])
        #expect(good.computeWitnessMerkleRoot() == witnessRoot)
        #expect(good.witnessCommitmentIndex == 1)
        try good.checkStructure()
        #expect(try Block(bytes: good.serialized()) == good)

        // Wrong commitment.
        let bad = Self.block([Self.coinbase(1, witnessReserved: reserved, commitment: .zero), spend])
        #expect(throws: BlockStructureError.witnessCommitmentMismatch(committed: .zero, computed: commitment)) {
            try bad.checkStructure()
        }
        // The last commitment output wins: a wrong one before the right one is fine, after is not.
        var lastWins = good
        lastWins.transactions[0].outputs.insert(
            TxOut(value: 0, scriptPubKey: Block.witnessCommitmentPrefix + Hash256.zero.internalBytes), at: 1)
        lastWins = Self.block(lastWins.transactions)
        #expect(lastWins.witnessCommitmentIndex == 2)
        try lastWins.checkStructure()
        var lastLoses = good
        lastLoses.transactions[0].outputs.append(
            TxOut(value: 0, scriptPubKey: Block.witnessCommitmentPrefix + Hash256.zero.internalBytes + [0x01]))
        lastLoses = Self.block(lastLoses.transactions)
        #expect(throws: BlockStructureError.self) { try lastLoses.checkStructure() }

        // Reserved value missing or of the wrong size.
        for witness: [UInt8]? in [nil, [UInt8](repeating: 0, count: 31)] {
            let b = Self.block([Self.coinbase(1, witnessReserved: witness, commitment: commitment), spend])
            #expect(throws: BlockStructureError.badWitnessReservedValue) { try b.checkStructure() }
        }
        // Witness data without any commitment.
        let uncommitted = Self.block([Self.coinbase(1), spend])
        #expect(throws: BlockStructureError.unexpectedWitness) { try uncommitted.checkStructure() }
        #expect(throws: BlockStructureError.unexpectedWitness) {
            try uncommitted.checkStructure(expectWitnessCommitment: false)
        }
        // No witness data, no commitment needed.
        try Self.block([Self.coinbase(1), Self.spend(2)]).checkStructure()
        // Before segwit the commitment is not checked.
        try Self.block([Self.coinbase(1, commitment: .zero), Self.spend(2)]).checkStructure(expectWitnessCommitment: false)
    }

    @Test func billionTransactionsFailsAtOnce() throws {
        var w = ByteWriter()
        try CodecSamples.genesisBlock().header.write(to: &w)
        w.writeCompactSize(1_000_000_000)
        #expect(throws: DecodingError.self) { try Block(bytes: w.bytes) }
    }
}
