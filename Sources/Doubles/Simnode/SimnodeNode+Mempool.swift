import BitcoinPrimitives
import JSON

/// A transaction waiting in simnode's mempool.
struct MempoolEntry: Sendable {
    let tx: SimTransaction
    let time: Int64
    let height: Int
}

/// Mempool RPCs (src/rpc/mempool.cpp). simnode has no UTXO set: it accepts any well-formed
/// transaction and reports zero fees; it is a double for plumbing tests, not a policy engine.
extension SimnodeNode {
    func mempoolMethod(_ method: String, _ raw: JSONValue) throws(RPCFailure) -> JSONValue {
        switch method {
        case "sendrawtransaction":
            let p = try RPCParams(method: method, names: ["hexstring", "maxfeerate", "maxburnamount"], raw: raw)
            guard let bytes = try? Hex.decode(try p.string(0)), let tx = try? SimTransaction(bytes: bytes) else {
                throw RPCFailure(RPCFailure.deserializationError, "TX decode failed. Make sure the tx has at least one input.")
            }
            // BroadcastTransaction (src/node/transaction.cpp) checks the UTXO set first: an output
            // of this txid still unspent there is TransactionError::ALREADY_IN_CHAIN (v28:
            // ALREADY_IN_UTXO_SET), -27 with TransactionErrorString's message (src/util/error.cpp).
            if hasUnspentConfirmedOutput(tx) {
                throw RPCFailure(RPCFailure.verifyAlreadyInChain, coreVersion.alreadyInChainMessage)
            }
            guard !Self.isCoinbase(tx) else { throw RPCFailure(RPCFailure.verifyRejected, "coinbase") }
            if mempool[tx.txid] == nil {
                mempool[tx.txid] = MempoolEntry(tx: tx, time: clock(), height: chain.height)
                mempoolOrder.append(tx.txid)
                publisher?.publishTransaction(tx)
                publisher?.publishMempool(tx.txid, added: true, mempoolSequence: mempoolSequence)
                mempoolSequence += 1
                p2pAnnounce(tx)
            }
            return .string(tx.txid.displayHex)
        case "getrawmempool":
            let p = try RPCParams(method: method, names: ["verbose", "mempool_sequence"], raw: raw)
            let verbose = try p.bool(0, default: false)
            let withSequence = try p.bool(1, default: false)
            if verbose && withSequence {
                throw RPCFailure(RPCFailure.invalidParameter, "Verbose results cannot contain mempool sequence values.")
            }
            if verbose {
                return .object(mempoolOrder.compactMap { id in mempool[id].map { (id.displayHex, entryJSON($0)) } })
            }
            let ids = JSONValue.array(mempoolOrder.map { .string($0.displayHex) })
            if withSequence {
                return .object([("txids", ids), ("mempool_sequence", .int(Int64(mempoolSequence)))])
            }
            return ids
        case "getmempoolentry":
            let p = try RPCParams(method: method, names: ["txid"], raw: raw)
            let txid = try p.hash(0, name: "txid")
            guard let entry = mempool[txid] else {
                throw RPCFailure(RPCFailure.invalidAddressOrKey, "Transaction not in mempool")
            }
            return entryJSON(entry)
        default:
            throw RPCFailure(RPCFailure.methodNotFound, "Method not found")
        }
    }

    /// entryToJSON of v26, fees zero (no UTXO set).
    func entryJSON(_ e: MempoolEntry) -> JSONValue {
        .object([
            ("vsize", .int(Int64(e.tx.vsize))),
            ("weight", .int(Int64(e.tx.weight))),
            ("time", .int(e.time)),
            ("height", .int(Int64(e.height))),
            ("descendantcount", .int(1)),
            ("descendantsize", .int(Int64(e.tx.vsize))),
            ("ancestorcount", .int(1)),
            ("ancestorsize", .int(Int64(e.tx.vsize))),
            ("wtxid", .string(e.tx.wtxid.displayHex)),
            ("fees", .object([
                ("base", .amount(0)), ("modified", .amount(0)), ("ancestor", .amount(0)), ("descendant", .amount(0)),
            ])),
            ("depends", .array([])),
            ("spentby", .array([])),
            ("bip125-replaceable", .bool(false)),
            ("unbroadcast", .bool(false)),
        ])
    }

    /// Drops a transaction from the mempool. Removal because a block confirmed it publishes
    /// nothing (Core's 'R' excludes MemPoolRemovalReason::BLOCK); other removals publish 'R'.
    func removeFromMempool(_ txid: Hash256, reasonBlock: Bool) {
        guard mempool.removeValue(forKey: txid) != nil else { return }
        mempoolOrder.removeAll { $0 == txid }
        if !reasonBlock {
            publisher?.publishMempool(txid, added: false, mempoolSequence: mempoolSequence)
        }
        mempoolSequence += 1
    }
}
