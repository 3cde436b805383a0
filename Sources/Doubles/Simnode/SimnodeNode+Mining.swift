import BitcoinPrimitives
import JSON

/// Mining and block/header submission (src/rpc/mining.cpp).
extension SimnodeNode {
    func mining(_ method: String, _ raw: JSONValue) throws(RPCFailure) -> JSONValue {
        switch method {
        case "generatetoaddress":
            let p = try RPCParams(method: method, names: ["nblocks", "address", "maxtries"], raw: raw)
            let n = try p.int(0)
            let address = try p.string(1)
            guard let script = RegtestAddress.scriptPubKey(address) else {
                throw RPCFailure(RPCFailure.invalidAddressOrKey, "Error: Invalid address")
            }
            return .array(try mine(n, to: script).map { .string($0.displayHex) })
        case "submitheader":
            let p = try RPCParams(method: method, names: ["hexdata"], raw: raw)
            guard let bytes = try? Hex.decode(try p.string(0)), let header = try? BlockHeader(bytes: bytes) else {
                throw RPCFailure(RPCFailure.deserializationError, "Block header decode failed")
            }
            // submitheader (src/rpc/mining.cpp, v26-v28): the parent must be known before any check.
            guard chain.entry(header.previousBlockHash) != nil else {
                throw RPCFailure(
                    RPCFailure.verifyError, "Must submit previous header (\(header.previousBlockHash.displayHex)) first")
            }
            // A known header is accepted again unchecked; a known invalid one is "duplicate".
            if let reason = rejectReason(header) { throw RPCFailure(RPCFailure.verifyError, reason) }
            if chain.entry(header.hash) == nil { _ = try? chain.add(header: header, block: nil) }
            return .null
        case "submitblock":
            let p = try RPCParams(method: method, names: ["hexdata", "dummy"], raw: raw)
            return try submitBlock(try p.string(0))
        default:
            throw RPCFailure(RPCFailure.methodNotFound, "Method not found")
        }
    }

    /// Mines `n` blocks on the active tip paying `script`; the first takes the mempool.
    /// - Returns: the new block hashes.
    func mine(_ n: Int, to script: [UInt8]) throws(RPCFailure) -> [BlockHash] {
        guard n >= 0, n <= 10_000 else {
            throw RPCFailure(RPCFailure.invalidParameter, "simnode mines 0 to 10000 blocks per call")
        }
        var hashes: [BlockHash] = []
        for _ in 0..<n {
            let parent = chain.tip
            let txs = mempoolOrder.compactMap { mempool[$0]?.tx }
            let time = chain.nextBlockTime(parent: parent.hash, now: UInt32(clamping: clock()))
            let block: SimBlock
            do {
                block = try Miner.mine(
                    parent: parent.hash, height: parent.height + 1, time: time, scriptPubKey: script,
                    transactions: txs)
                try chain.add(header: block.header, block: block)
            } catch {
                throw RPCFailure(RPCFailure.miscError, "simnode could not mine: \(error)")
            }
            apply(chain.activateBestChain())
            hashes.append(block.hash)
        }
        return hashes
    }

    /// The most blocks in the future a header's time may be (MAX_FUTURE_BLOCK_TIME, src/chain.h).
    static let maxFutureBlockTime: Int64 = 2 * 60 * 60

    /// AcceptBlockHeader (src/validation.cpp, v26-v28) for one header, in Core's order:
    /// a known header is accepted unchecked ("duplicate" when it is marked invalid); then
    /// CheckBlockHeader's proof of work ("high-hash"), the parent ("prev-blk-not-found",
    /// "bad-prevblk"), and ContextualCheckBlockHeader: bits (regtest never retargets,
    /// "bad-diffbits"), time after median time past ("time-too-old"), at most two hours ahead of
    /// the clock ("time-too-new"), and version 4 or more once BIP34/65/66 are active, from height
    /// 1 on regtest ("bad-version(0x%08x)").
    /// - Parameter header: the header.
    /// - Returns: Core's reject reason, or nil when the header is acceptable.
    func rejectReason(_ header: BlockHeader) -> String? {
        if let known = chain.entry(header.hash) { return known.failed ? "duplicate" : nil }
        guard Regtest.checkProofOfWork(header.hash, bits: header.bits) else { return "high-hash" }
        guard let parent = chain.entry(header.previousBlockHash) else { return "prev-blk-not-found" }
        guard !parent.failed else { return "bad-prevblk" }
        guard header.bits == Regtest.bits else { return "bad-diffbits" }
        guard header.time > chain.medianTimePast(parent.hash) else { return "time-too-old" }
        guard Int64(header.time) <= clock() + Self.maxFutureBlockTime else { return "time-too-new" }
        guard header.version >= 4 else { return "bad-version(0x\(Self.bitsHex(UInt32(bitPattern: header.version))))" }
        return nil
    }

    /// submitblock: null when accepted to the active chain, else a BIP22 result string.
    func submitBlock(_ hex: String) throws(RPCFailure) -> JSONValue {
        guard let bytes = try? Hex.decode(hex) else {
            throw RPCFailure(RPCFailure.deserializationError, "Block decode failed")
        }
        let block: SimBlock
        do {
            block = try SimBlock(bytes: bytes)
        } catch {
            throw RPCFailure(RPCFailure.deserializationError, "Block decode failed")
        }
        guard let first = block.transactions.first, Self.isCoinbase(first) else {
            throw RPCFailure(RPCFailure.deserializationError, "Block does not start with a coinbase")
        }
        // submitblock (src/rpc/mining.cpp, v26-v28): a block already validated (connected, or
        // pruned after that) is "duplicate", one marked invalid "duplicate-invalid"; a stored one
        // not yet connected is "duplicate" through ProcessNewBlock (not a new block).
        if let existing = chain.entry(block.hash) {
            if existing.failed { return .string("duplicate-invalid") }
            if existing.block != nil || existing.pruned || chain.isActive(existing) { return .string("duplicate") }
        }
        // ProcessNewBlock: CheckBlock (proof of work, then merkle root) before AcceptBlockHeader.
        guard Regtest.checkProofOfWork(block.hash, bits: block.header.bits) else { return .string("high-hash") }
        guard Merkle.root(block.transactions.map(\.txid)) == block.header.merkleRoot else {
            return .string("bad-txnmrklroot")
        }
        if let reason = rejectReason(block.header) { return .string(reason) }
        do {
            try chain.add(header: block.header, block: block)
        } catch {
            return .string("prev-blk-not-found")
        }
        withheld[block.hash] = nil
        apply(chain.activateBestChain())
        return chain.entry(block.hash).map(chain.isActive) == true ? .null : .string("inconclusive")
    }

    /// A coinbase spends the null outpoint (32 zero bytes, index 0xffffffff).
    static func isCoinbase(_ tx: SimTransaction) -> Bool {
        var r = ByteReader(tx.bytes)
        guard (try? r.readLE(UInt32.self)) != nil, var count = try? r.readCompactSize() else { return false }
        if count == 0 {
            guard (try? r.readUInt8()) != nil, let c = try? r.readCompactSize() else { return false }
            count = c
        }
        guard count == 1, let prevout = try? r.readBytes(36) else { return false }
        return prevout.prefix(32).allSatisfy { $0 == 0 } && prevout.suffix(4).allSatisfy { $0 == 0xff }
    }
}
