/// Why a block's contents do not match its header or its witness commitment. Names follow
/// Bitcoin Core's reject reasons (src/validation.cpp) where there is one.
public enum BlockStructureError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No transactions at all ("bad-blk-length").
    case noTransactions
    /// The first transaction is not a coinbase ("bad-cb-missing").
    case firstNotCoinbase
    /// The transactions' merkle root differs from the header's ("bad-txnmrklroot").
    case merkleRootMismatch(header: Hash256, computed: Hash256)
    /// The merkle tree has a duplicated pair (CVE-2012-2459, "bad-txns-duplicate").
    case mutatedMerkleTree
    /// The coinbase witness is not exactly one 32-byte item ("bad-witness-nonce-size").
    case badWitnessReservedValue
    /// The commitment does not match the witness merkle root ("bad-witness-merkle-match").
    case witnessCommitmentMismatch(committed: Hash256, computed: Hash256)
    /// Witness data without a commitment ("unexpected-witness").
    case unexpectedWitness

    public var description: String {
        switch self {
        case .noTransactions: return "bad-blk-length: block has no transactions"
        case .firstNotCoinbase: return "bad-cb-missing: first transaction is not a coinbase"
        case .merkleRootMismatch(let h, let c):
            return "bad-txnmrklroot: header merkle root \(h), transactions give \(c)"
        case .mutatedMerkleTree: return "bad-txns-duplicate: merkle tree has a duplicated pair (CVE-2012-2459)"
        case .badWitnessReservedValue:
            return "bad-witness-nonce-size: coinbase witness must be one 32-byte reserved value"
        case .witnessCommitmentMismatch(let committed, let computed):
            return "bad-witness-merkle-match: commitment \(committed), computed \(computed)"
        case .unexpectedWitness: return "unexpected-witness: witness data but no witness commitment"
        }
    }
}

extension Block {
    /// BIP141 commitment output prefix: OP_RETURN, push 36, then the header 0xaa21a9ed.
    public static let witnessCommitmentPrefix: [UInt8] = [0x6a, 0x24, 0xaa, 0x21, 0xa9, 0xed]

    /// The merkle root of the txids, and whether the tree is mutated (see ``MerkleRoot``).
    public func computeMerkleRoot() -> (root: Hash256, mutated: Bool) {
        MerkleRoot.compute(transactions.map { $0.txid.hash })
    }

    /// The BIP141 witness merkle root: over wtxids, the coinbase's taken as zero.
    public func computeWitnessMerkleRoot() -> Hash256 {
        var leaves = transactions.map { $0.wtxid.hash }
        if !leaves.isEmpty { leaves[0] = .zero }
        return MerkleRoot.compute(leaves).root
    }

    /// Index of the coinbase output holding the witness commitment: the *last* output whose
    /// script is at least 38 bytes and starts with ``witnessCommitmentPrefix`` (Core
    /// `GetWitnessCommitmentIndex`), or nil.
    public var witnessCommitmentIndex: Int? {
        guard let coinbase = transactions.first else { return nil }
        return coinbase.outputs.lastIndex { o in
            o.scriptPubKey.count >= 38 && o.scriptPubKey.starts(with: Self.witnessCommitmentPrefix)
        }
    }

    /// Checks that the transactions are the ones the header commits to, and that witness data
    /// matches its commitment.
    ///
    /// - Merkle root equals the header's, and the tree is not mutated (CVE-2012-2459).
    /// - BIP141: if the coinbase has a commitment output, its coinbase input witness is one
    ///   32-byte reserved value and the commitment equals sha256d(witness root || reserved);
    ///   without a commitment no transaction may carry witness data.
    /// - Parameter expectWitnessCommitment: false before segwit activation: the commitment is
    ///   then not checked, and witness data is refused (Core's `CheckWitnessMalleation`).
    /// - Throws: ``BlockStructureError`` naming the first rule broken.
    public func checkStructure(expectWitnessCommitment: Bool = true) throws(BlockStructureError) {
        guard let coinbase = transactions.first else { throw .noTransactions }
        guard coinbase.isCoinbase else { throw .firstNotCoinbase }
        let (root, mutated) = computeMerkleRoot()
        guard root == header.merkleRoot else { throw .merkleRootMismatch(header: header.merkleRoot, computed: root) }
        if mutated { throw .mutatedMerkleTree }
        guard expectWitnessCommitment, let index = witnessCommitmentIndex else {
            if transactions.contains(where: \.hasWitness) { throw .unexpectedWitness }
            return
        }
        let witness = coinbase.inputs[0].witness
        guard witness.count == 1, witness[0].count == 32 else { throw .badWitnessReservedValue }
        let computed = Hash256.sha256d(of: computeWitnessMerkleRoot().internalBytes + witness[0])
        let script = coinbase.outputs[index].scriptPubKey
        // Cannot throw: the slice is 32 bytes (script length >= 38 was checked).
        let committed = (try? Hash256(internalBytes: script[6..<38])) ?? .zero
        guard committed == computed else { throw .witnessCommitmentMismatch(committed: committed, computed: computed) }
    }
}
