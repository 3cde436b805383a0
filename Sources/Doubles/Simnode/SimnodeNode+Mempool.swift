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
            addToMempool(tx)
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
        case "getmempoolinfo":
            _ = try RPCParams(method: method, names: [], raw: raw)
            return mempoolInfoJSON()
        default:
            throw RPCFailure(RPCFailure.methodNotFound, "Method not found")
        }
    }

    /// Puts a transaction in the mempool (once), publishes it on ZMQ and announces it to peers.
    func addToMempool(_ tx: SimTransaction) {
        guard mempool[tx.txid] == nil else { return }
        mempool[tx.txid] = MempoolEntry(tx: tx, time: clock(), height: chain.height)
        mempoolOrder.append(tx.txid)
        publisher?.publishTransaction(tx)
        publisher?.publishMempool(tx.txid, added: true, mempoolSequence: mempoolSequence)
        mempoolSequence += 1
        p2pAnnounce(tx)
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

    /// MempoolInfoToJSON (src/rpc/mempool.cpp), with Core's regtest defaults: -maxmempool
    /// 300 MB, min relay and incremental relay fee per release (1,000 sat/kvB, 100 from v30),
    /// mempool min fee the relay fee (simnode's mempool never fills), fullrbf per release, and
    /// v30's two policy fields. `size` and `bytes` (sum of vsizes)
    /// are the mempool's; `total_fee` is zero and `unbroadcastcount` 0 as in ``entryJSON(_:)``;
    /// `usage` is an estimate (``mempoolUsage``), not Core's malloc accounting.
    func mempoolInfoJSON() -> JSONValue {
        let entries = mempoolOrder.compactMap { mempool[$0] }
        return .object([
            ("loaded", .bool(true)),
            ("size", .int(Int64(entries.count))),
            ("bytes", .int(Int64(entries.reduce(0) { $0 + $1.tx.vsize }))),
            ("usage", .int(Int64(entries.reduce(0) { $0 + Self.mempoolUsage($1.tx) }))),
            ("total_fee", .amount(0)),
            ("maxmempool", .int(300_000_000)),
            ("mempoolminfee", .amount(coreVersion.minRelayFeePerKvB)),
            ("minrelaytxfee", .amount(coreVersion.minRelayFeePerKvB)),
            ("incrementalrelayfee", .amount(coreVersion.minRelayFeePerKvB)),
            ("unbroadcastcount", .int(0)),
            ("fullrbf", .bool(coreVersion.fullRBFByDefault)),
            // v30's defaults: -permitbaremultisig (DEFAULT_PERMIT_BAREMULTISIG true) and
            // -datacarriersize (MAX_OP_RETURN_RELAY = MAX_STANDARD_TX_WEIGHT / 4 = 100,000 since v30, PR #32406).
        ] + (coreVersion.reportsDataCarrierPolicy
            ? [("permitbaremultisig", .bool(true)), ("maxdatacarriersize", .int(100_000))]
            : []))
    }

    /// A mempool entry's memory estimate: a fixed entry and index overhead plus twice the
    /// serialized size (the transaction and its inputs' map entries). Zero for an empty mempool,
    /// as Core; growing with each transaction.
    static func mempoolUsage(_ tx: SimTransaction) -> Int { 640 + 2 * tx.bytes.count }

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
