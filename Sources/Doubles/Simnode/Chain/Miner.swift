import BitcoinPrimitives

/// Builds regtest blocks as Core's block assembler does: a version-2 coinbase whose scriptSig
/// starts with the BIP34 height, paying the subsidy plus fees, with a BIP141 witness commitment
/// (regtest has segwit active from genesis) and the 32-byte zero witness reserved value.
public enum Miner {
    /// Errors are impossible for well-formed inputs; kept typed so callers never trap.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Builds and grinds a block on `parent`.
    /// - Parameters:
    ///   - parent: the parent block's hash.
    ///   - height: the new block's height.
    ///   - time: the header time.
    ///   - scriptPubKey: where the coinbase pays.
    ///   - transactions: non-coinbase transactions to include.
    ///   - extraNonce: an extra push in the coinbase scriptSig so two blocks on the same parent
    ///     at the same time differ (forks); nil for none (as Core's generatetoaddress).
    /// - Returns: a block whose hash meets the regtest target.
    /// - Throws: ``Failure`` if no nonce works (practically impossible at regtest difficulty).
    public static func mine(
        parent: BlockHash, height: Int, time: UInt32, scriptPubKey: [UInt8],
        transactions: [SimTransaction] = [], extraNonce: UInt32? = nil
    ) throws(Failure) -> SimBlock {
        let coinbase = try makeCoinbase(
            height: height, scriptPubKey: scriptPubKey, transactions: transactions, extraNonce: extraNonce)
        let txs = [coinbase] + transactions
        var header = BlockHeader(
            version: Regtest.blockVersion, previousBlockHash: parent,
            merkleRoot: Merkle.root(txs.map(\.txid)), time: time, bits: Regtest.bits, nonce: 0)
        while !Regtest.meetsTarget(header.hash, bits: header.bits) {
            guard header.nonce < UInt32.max else { throw Failure(description: "nonce space exhausted") }
            header.nonce += 1
        }
        return SimBlock(header: header, transactions: txs)
    }

    /// Script number push as `CScript() << n` does it (OP_0, OP_1..OP_16, else minimal bytes).
    static func pushInt(_ n: Int64) -> [UInt8] {
        if n == 0 { return [0x00] }
        if n == -1 || (1...16).contains(n) { return [UInt8(0x50 + n)] }
        var bytes: [UInt8] = []
        var v = n.magnitude
        while v > 0 { bytes.append(UInt8(v & 0xff)); v >>= 8 }
        if bytes[bytes.count - 1] & 0x80 != 0 {
            bytes.append(n < 0 ? 0x80 : 0x00)
        } else if n < 0 {
            bytes[bytes.count - 1] |= 0x80
        }
        return [UInt8(bytes.count)] + bytes
    }

    static func makeCoinbase(
        height: Int, scriptPubKey: [UInt8], transactions: [SimTransaction], extraNonce: UInt32?
    ) throws(Failure) -> SimTransaction {
        var scriptSig = pushInt(Int64(height)) + [0x00]  // Core: CScript() << nHeight << OP_0
        if let extraNonce { scriptSig += pushInt(Int64(extraNonce)) }
        // Witness commitment: wtxid merkle root with the coinbase's wtxid taken as zero,
        // committed as SHA256d(root || reserved value); reserved value = 32 zero bytes (BIP141).
        let witnessRoot = Merkle.root([.zero] + transactions.map(\.wtxid))
        let reserved = [UInt8](repeating: 0, count: 32)
        let commitment = Hashes.sha256d(witnessRoot.internalBytes + reserved)
        let commitmentScript: [UInt8] = [0x6a, 0x24, 0xaa, 0x21, 0xa9, 0xed] + commitment

        var w = ByteWriter()
        w.writeLE(UInt32(2))
        w.writeBytes([0x00, 0x01])  // segwit marker and flag
        w.writeCompactSize(1)
        w.writeBytes([UInt8](repeating: 0, count: 32))
        w.writeLE(UInt32.max)
        w.writeVarBytes(scriptSig)
        w.writeLE(UInt32.max)
        w.writeCompactSize(2)
        w.writeLE(UInt64(Regtest.subsidy(height: height)))
        w.writeVarBytes(scriptPubKey)
        w.writeLE(UInt64(0))
        w.writeVarBytes(commitmentScript)
        w.writeCompactSize(1)  // one witness item: the reserved value
        w.writeVarBytes(reserved)
        w.writeLE(UInt32(0))
        do {
            return try SimTransaction(bytes: w.bytes)
        } catch {
            throw Failure(description: "built an unparsable coinbase: \(error)")
        }
    }
}
