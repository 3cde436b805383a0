import BitcoinPrimitives

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
            guard chain.entry(header.previousBlockHash) != nil else {
                throw RPCFailure(
                    RPCFailure.verifyError, "Must submit previous header (\(header.previousBlockHash.displayHex)) first")
            }
            if let reason = rejectReason(header) { throw RPCFailure(RPCFailure.verifyError, reason) }
            _ = try? chain.add(header: header, block: nil)
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

    /// Contextual header checks in Core's order: bits (regtest never retargets), proof of work,
    /// parent validity, time after median time past.
    func rejectReason(_ header: BlockHeader) -> String? {
        guard header.bits == Regtest.bits else { return "bad-diffbits" }
        guard Regtest.meetsTarget(header.hash, bits: header.bits) else { return "high-hash" }
        guard let parent = chain.entry(header.previousBlockHash) else { return "prev-blk-not-found" }
        guard !parent.failed else { return "bad-prevblk" }
        guard header.time > chain.medianTimePast(parent.hash) else { return "time-too-old" }
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
        if let existing = chain.entry(block.hash) {
            if existing.failed { return .string("duplicate-invalid") }
            if existing.block != nil { return .string("duplicate") }
        }
        if let reason = rejectReason(block.header) { return .string(reason) }
        guard Merkle.root(block.transactions.map(\.txid)) == block.header.merkleRoot else {
            return .string("bad-txnmrklroot")
        }
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
