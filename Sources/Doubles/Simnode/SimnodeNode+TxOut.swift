import BitcoinPrimitives
import JSON

/// `gettxout` (src/rpc/blockchain.cpp, v26) without a UTXO set: the output is looked up in the
/// active chain's blocks (and the mempool when include_mempool) and is unspent when no later
/// transaction of the active chain (or of the mempool, with include_mempool) spends it.
///
/// Result, as bitcoind: null when unknown, spent or unspendable (OP_RETURN never enters the
/// UTXO set); else {"bestblock", "confirmations" (0 in the mempool), "value", "scriptPubKey"
/// {asm, desc, hex, address?, type}, "coinbase"}. A chain whose block data was pruned hides
/// the outputs of those blocks (bitcoind would still have them; simnode keeps no coins).
extension SimnodeNode {
    func getTxOut(_ raw: JSONValue) throws(RPCFailure) -> JSONValue {
        let p = try RPCParams(method: "gettxout", names: ["txid", "n", "include_mempool"], raw: raw)
        let txid = try p.hash(0, name: "txid")
        let n = try p.int(1)
        let includeMempool = try p.bool(2, default: true)
        guard n >= 0 else { return .null }
        guard let found = findOutput(txid: txid, index: n, includeMempool: includeMempool) else { return .null }
        let spentBy = OutPoint(txid: Txid(txid), index: UInt32(clamping: n))
        if isSpent(spentBy, fromHeight: found.height ?? chain.height + 1, includeMempool: includeMempool) { return .null }
        let confirmations = found.height.map { chain.height - $0 + 1 } ?? 0
        return .object([
            ("bestblock", .string(chain.tip.hash.displayHex)),
            ("confirmations", .int(Int64(confirmations))),
            ("value", .amount(found.output.value)),
            ("scriptPubKey", ScriptDescription.json(found.output.scriptPubKey)),
            ("coinbase", .bool(found.coinbase)),
        ])
    }

    /// Whether an output of this transaction is in the chain's UTXO set (mempool not counted):
    /// BroadcastTransaction (src/node/transaction.cpp, v26-v28) then answers that the
    /// transaction is already in the chain.
    /// - Parameter tx: the transaction.
    /// - Returns: true when any of its outputs is confirmed and unspent on the active chain.
    func hasUnspentConfirmedOutput(_ tx: SimTransaction) -> Bool {
        guard let parsed = try? Transaction(bytes: tx.bytes) else { return false }
        for index in parsed.outputs.indices {
            guard let found = findOutput(txid: tx.txid, index: index, includeMempool: false), let height = found.height
            else { continue }
            let outpoint = OutPoint(txid: Txid(tx.txid), index: UInt32(clamping: index))
            if !isSpent(outpoint, fromHeight: height, includeMempool: false) { return true }
        }
        return false
    }

    /// The output, its block height (nil: mempool) and whether its transaction is a coinbase.
    private func findOutput(txid: Hash256, index: Int, includeMempool: Bool)
        -> (output: TxOut, height: Int?, coinbase: Bool)?
    {
        func output(_ tx: SimTransaction) -> TxOut? {
            guard let parsed = try? Transaction(bytes: tx.bytes), index < parsed.outputs.count else { return nil }
            let out = parsed.outputs[index]
            // CScript::IsUnspendable: OP_RETURN first, or larger than MAX_SCRIPT_SIZE (10,000).
            if out.scriptPubKey.first == 0x6a || out.scriptPubKey.count > 10_000 { return nil }
            return out
        }
        if includeMempool, let entry = mempool[txid] {
            return output(entry.tx).map { ($0, nil, false) }
        }
        var height = chain.height
        while height >= 0 {
            if let hash = chain.hash(atHeight: height), let block = chain.entry(hash)?.block,
                let position = block.transactions.firstIndex(where: { $0.txid == txid })
            {
                return output(block.transactions[position]).map { ($0, height, position == 0) }
            }
            height -= 1
        }
        return nil
    }

    /// Whether an active-chain transaction at or above `fromHeight`, or a mempool transaction,
    /// spends the outpoint.
    private func isSpent(_ outpoint: OutPoint, fromHeight: Int, includeMempool: Bool) -> Bool {
        func spends(_ tx: SimTransaction) -> Bool {
            guard let parsed = try? Transaction(bytes: tx.bytes) else { return false }
            return parsed.inputs.contains { $0.previousOutput == outpoint }
        }
        if includeMempool, mempoolOrder.contains(where: { mempool[$0].map { spends($0.tx) } ?? false }) { return true }
        var height = max(fromHeight, 0)
        while height <= chain.height {
            if let hash = chain.hash(atHeight: height), let block = chain.entry(hash)?.block,
                block.transactions.dropFirst().contains(where: spends)
            {
                return true
            }
            height += 1
        }
        return false
    }
}
