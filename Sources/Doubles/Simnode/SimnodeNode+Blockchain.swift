import BitcoinPrimitives
import JSON

/// Blockchain RPCs, with the shapes of bitcoind v26's src/rpc/blockchain.cpp.
extension SimnodeNode {
    func blockchain(_ method: String, _ raw: JSONValue) throws(RPCFailure) -> JSONValue {
        switch method {
        case "getblockchaininfo":
            _ = try RPCParams(method: method, names: [], raw: raw)
            return blockchainInfo()
        case "getbestblockhash":
            _ = try RPCParams(method: method, names: [], raw: raw)
            return .string(chain.tip.hash.displayHex)
        case "getblockcount":
            _ = try RPCParams(method: method, names: [], raw: raw)
            return .int(Int64(chain.height))
        case "getblockhash":
            let p = try RPCParams(method: method, names: ["height"], raw: raw)
            let h = try p.int(0)
            guard let hash = chain.hash(atHeight: h) else {
                throw RPCFailure(RPCFailure.invalidParameter, "Block height out of range")
            }
            return .string(hash.displayHex)
        case "getblockheader":
            let p = try RPCParams(method: method, names: ["blockhash", "verbose"], raw: raw)
            let entry = try lookup(try p.hash(0, name: "hash"))
            return try p.bool(1, default: true) ? headerJSON(entry) : .string(entry.header.serialized.hex)
        case "getblock":
            let p = try RPCParams(method: method, names: ["blockhash", "verbosity"], raw: raw)
            let entry = try lookup(try p.hash(0, name: "blockhash"))
            let verbosity: Int
            switch p[1] {
            case .null: verbosity = 1
            case .bool(let b): verbosity = b ? 1 : 0
            default: verbosity = try p.int(1)
            }
            guard let block = entry.block else {
                // Core v26 GetBlockChecked: pruned data, else ReadBlockFromDisk fails.
                if entry.pruned { throw RPCFailure(RPCFailure.miscError, "Block not available (pruned data)") }
                throw RPCFailure(RPCFailure.miscError, "Block not found on disk")
            }
            switch verbosity {
            case ...0: return .string(block.serialized.hex)
            case 1: return blockJSON(entry, block)
            default: return blockJSON(entry, block, transactionObjects: true)
            }
        case "getchaintips":
            _ = try RPCParams(method: method, names: [], raw: raw)
            return .array(chain.tips.map { e in
                .object([
                    ("height", .int(Int64(e.height))),
                    ("hash", .string(e.hash.displayHex)),
                    ("branchlen", .int(Int64(e.height - chain.forkHeight(e)))),
                    ("status", .string(chain.status(e))),
                ])
            })
        case "invalidateblock", "reconsiderblock":
            let p = try RPCParams(method: method, names: ["blockhash"], raw: raw)
            let hash = BlockHash(try p.hash(0, name: "blockhash"))
            do {
                let events = method == "invalidateblock" ? try chain.invalidate(hash) : try chain.reconsider(hash)
                apply(events)
            } catch .genesis {
                throw RPCFailure(RPCFailure.miscError, "Genesis block can't be invalidated")
            } catch {
                throw RPCFailure(RPCFailure.invalidAddressOrKey, "Block not found")
            }
            return .null
        case "getblockfrompeer":
            let p = try RPCParams(method: method, names: ["blockhash", "peer_id"], raw: raw)
            let hash = BlockHash(try p.hash(0, name: "blockhash"))
            let peerId = try p.int(1)
            guard let entry = chain.entry(hash) else { throw RPCFailure(RPCFailure.miscError, "Block header missing") }
            // getblockfrompeer (src/rpc/blockchain.cpp, v26-v28): in prune mode, a block above the
            // active tip is refused before anything else is looked at.
            if pruneMode, entry.height > chain.height {
                throw RPCFailure(
                    RPCFailure.miscError,
                    "In prune mode, only blocks that the node has already synced previously can be fetched from a peer")
            }
            guard entry.block == nil else { throw RPCFailure(RPCFailure.miscError, "Block already downloaded") }
            guard let peer = peers.first(where: { $0.id == peerId }) else {
                throw RPCFailure(RPCFailure.miscError, "Peer does not exist")
            }
            if let message = peer.fetchError { throw RPCFailure(RPCFailure.miscError, message) }
            fetchLog.append((hash, peerId))
            if peer.delivers { scheduleFetch(hash) }
            return .object([])
        default:
            throw RPCFailure(RPCFailure.methodNotFound, "Method not found")
        }
    }

    func lookup(_ hash: Hash256) throws(RPCFailure) -> BlockEntry {
        guard let e = chain.entry(BlockHash(hash)) else {
            throw RPCFailure(RPCFailure.invalidAddressOrKey, "Block not found")
        }
        return e
    }

    /// A pretend peer delivers a withheld block shortly after getblockfrompeer, as a real peer
    /// would answer getdata; blocks nobody has stay headers-only.
    func scheduleFetch(_ hash: BlockHash) {
        Task {
            try? await Task.sleep(for: .milliseconds(200))
            self.deliverWithheld(hash)
        }
    }

    func deliverWithheld(_ hash: BlockHash) {
        guard let block = withheld.removeValue(forKey: hash) else { return fetchFromBlockSource(hash) }
        _ = try? chain.add(header: block.header, block: block)
        apply(chain.activateBestChain())
    }

    static func chainWorkHex(_ work: UInt64) -> String {
        let h = String(work, radix: 16)
        return String(repeating: "0", count: 64 - h.count) + h
    }

    static func bitsHex(_ bits: UInt32) -> String {
        let h = String(bits, radix: 16)
        return String(repeating: "0", count: 8 - h.count) + h
    }

    func blockchainInfo() -> JSONValue {
        let tip = chain.tip
        return .object([
            ("chain", .string("regtest")),
            ("blocks", .int(Int64(chain.height))),
            ("headers", .int(Int64(chain.bestHeader.height))),
            ("bestblockhash", .string(tip.hash.displayHex)),
        ] + (coreVersion.reportsTarget
            ? [("bits", .string(Self.bitsHex(tip.header.bits))), ("target", .string(Regtest.targetHex(bits: tip.header.bits)))]
            : []) + [
            ("difficulty", .double(Regtest.difficulty(bits: tip.header.bits))),
            ("time", .int(Int64(tip.header.time))),
            ("mediantime", .int(Int64(chain.medianTimePast(tip.hash)))),
            ("verificationprogress", .int(1)),
            ("initialblockdownload", .bool(initialBlockDownload)),
            ("chainwork", .string(Self.chainWorkHex(tip.chainWork))),
            ("size_on_disk", .int(Int64(chain.active.count * 300))),
        ] + pruneFields() + [
            ("warnings", coreVersion.noWarnings),
        ])
    }

    /// "pruned" (prune mode, as getblockchaininfo reports IsPruneMode), and in prune mode
    /// "pruneheight" (the lowest height with data; 0 before anything was pruned) and
    /// "automatic_pruning" (simnode prunes only on command, like -prune=1 with pruneblockchain).
    func pruneFields() -> [(String, JSONValue)] {
        guard pruneMode else { return [("pruned", .bool(false))] }
        let height = chain.pruneHeight ?? 0
        return [("pruned", .bool(true)), ("pruneheight", .int(Int64(height))), ("automatic_pruning", .bool(false))]
    }

    /// blockheaderToJSON: the fields and order of v26, with "target" after "bits" from v29.
    func headerFields(_ e: BlockEntry) -> [(String, JSONValue)] {
        let confirmations = chain.isActive(e) ? chain.height - e.height + 1 : -1
        var members: [(String, JSONValue)] = [
            ("hash", .string(e.hash.displayHex)),
            ("confirmations", .int(Int64(confirmations))),
            ("height", .int(Int64(e.height))),
            ("version", .int(Int64(e.header.version))),
            ("versionHex", .string(Self.bitsHex(UInt32(bitPattern: e.header.version)))),
            ("merkleroot", .string(e.header.merkleRoot.displayHex)),
            ("time", .int(Int64(e.header.time))),
            ("mediantime", .int(Int64(chain.medianTimePast(e.hash)))),
            ("nonce", .int(Int64(e.header.nonce))),
            ("bits", .string(Self.bitsHex(e.header.bits))),
        ]
        if coreVersion.reportsTarget { members.append(("target", .string(Regtest.targetHex(bits: e.header.bits)))) }
        members += [
            ("difficulty", .double(Regtest.difficulty(bits: e.header.bits))),
            ("chainwork", .string(Self.chainWorkHex(e.chainWork))),
            ("nTx", .int(Int64(e.block?.transactions.count ?? 0))),
        ]
        if e.height > 0 { members.append(("previousblockhash", .string(e.header.previousBlockHash.displayHex))) }
        if let next = chain.next(e) { members.append(("nextblockhash", .string(next.displayHex))) }
        return members
    }

    func headerJSON(_ e: BlockEntry) -> JSONValue { .object(headerFields(e)) }

    /// getblock verbosity 1, or 2 and 3 with `transactionObjects` (simnode's transaction
    /// objects carry txid, hash, size, vsize, weight and hex only, not the decoded fields).
    func blockJSON(_ e: BlockEntry, _ block: SimBlock, transactionObjects: Bool = false) -> JSONValue {
        .object(headerFields(e) + [
            ("strippedsize", .int(Int64(block.strippedSize))),
            ("size", .int(Int64(block.size))),
            ("weight", .int(Int64(block.weight))),
            ("tx", .array(block.transactions.map { tx in
                guard transactionObjects else { return .string(tx.txid.displayHex) }
                return .object([
                    ("txid", .string(tx.txid.displayHex)), ("hash", .string(tx.wtxid.displayHex)),
                    ("size", .int(Int64(tx.bytes.count))), ("vsize", .int(Int64(tx.vsize))),
                    ("weight", .int(Int64(tx.weight))), ("hex", .string(tx.bytes.hex)),
                ])
            })),
        ])
    }
}
