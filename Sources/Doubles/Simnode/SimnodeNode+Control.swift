import BitcoinPrimitives
import JSON

/// simnode's control RPCs (not in bitcoind; all named `sim*`), plus `stop`:
///
/// | method | params | effect, result |
/// | --- | --- | --- |
/// | `simgenerate` | nblocks | mines on the tip paying OP_TRUE; block hashes |
/// | `simsetmining` | enabled, interval (s, default 0) | automatic mining every interval seconds when enabled and interval > 0; {"enabled","interval"} |
/// | `simfork` | depth, nblocks, mode ("full", "headers-only", "valid-headers") | builds a branch from the block `depth` below the tip; full: reorgs if it has more work; headers-only: only headers known (data withheld by a pretend peer); valid-headers: data known but not connected; {"forkpoint","tip","height","status"} |
/// | `simactivate` | blockhash | hands over withheld or deferred data up to blockhash and activates the best chain; {"tip","height"} |
/// | `siminvalidate` | blockhash | as invalidateblock |
/// | `simsetpeers` | array of peer objects | replaces getpeerinfo's list (fields: addr, network, connection_type, transport_protocol_type, subver, version, synced_headers, synced_blocks, startingheight, mapped_as, conntime, delivers, fetch_error); the count |
/// | `simdroppeers` | connection_type (optional) | drops all peers, or those of a type; the number dropped |
/// | `simprune` | height | turns prune mode on and deletes block data below height (getblock: -1 "Block not available (pruned data)"; getblockfrompeer fetches it back after a short delay, and refuses blocks above the tip as pruned bitcoind does); the new prune height |
/// | `simfetchlog` | | every accepted getblockfrompeer so far, oldest first; [{"blockhash","peer_id"}] |
/// | `simsetblocksource` | url, cookiefile | blocks a delivering pretend peer is asked for (getblockfrompeer) that simnode has only the header of, and no withheld copy, are fetched from that node's RPC (`getblock HASH 0`) after the usual delay, checked as submitblock and stored as received from the peer; no url clears it; {"url","cookiefile"} or null |
/// | `simsetwarmup` | enabled, message | every non-sim method fails with -28 and the message |
/// | `simsetibd` | enabled | true: initial block download, whatever the tip's time, until `simsetibd false` (getblockchaininfo's `initialblockdownload` true; getheaders, tx and inv of transactions ignored and no block announced, as Core in IBD); false: out of it for good (Core's latch); {"initialblockdownload"} |
/// | `simrpccount` | | RPC calls executed so far, `sim*` controls and `stop` not counted (each batch item counts): a number |
/// | `stop` | | "Simnode stopping", then the process exits and deletes its cookie |
extension SimnodeNode {
    func control(_ method: String, _ raw: JSONValue) throws(RPCFailure) -> JSONValue {
        switch method {
        case "stop":
            _ = try RPCParams(method: method, names: ["wait"], raw: raw)
            let f = onStop
            onStop = nil
            Task {
                try? await Task.sleep(for: .milliseconds(50))  // let the reply go out first
                f?()
            }
            return .string("Simnode stopping")
        case "simrpccount":
            _ = try RPCParams(method: method, names: [], raw: raw)
            return .int(Int64(rpcCalls))
        case "simgenerate":
            let p = try RPCParams(method: method, names: ["nblocks"], raw: raw)
            return .array(try mine(try p.int(0), to: Self.defaultScript).map { .string($0.displayHex) })
        case "simsetmining":
            let p = try RPCParams(method: method, names: ["enabled", "interval"], raw: raw)
            let enabled = try p.bool(0, default: true)
            let interval = try p.double(1, default: miningInterval)
            guard interval >= 0, interval <= 86_400 else {
                throw RPCFailure(RPCFailure.invalidParameter, "interval must be between 0 and 86400 seconds")
            }
            setMining(enabled: enabled, interval: interval)
            return .object([("enabled", .bool(miningTask != nil)), ("interval", .double(miningInterval))])
        case "simfork":
            let p = try RPCParams(method: method, names: ["depth", "nblocks", "mode"], raw: raw)
            return try fork(depth: try p.int(0), count: try p.int(1), mode: try p.optionalString(2) ?? "full")
        case "simactivate":
            let p = try RPCParams(method: method, names: ["blockhash"], raw: raw)
            let hash = BlockHash(try p.hash(0, name: "blockhash"))
            do {
                let events = try chain.release(hash) { [withheld] e in withheld[e.hash] }
                var cursor = chain.entry(hash)
                while let e = cursor, withheld.removeValue(forKey: e.hash) != nil {
                    cursor = chain.entry(e.header.previousBlockHash)
                }
                apply(events)
            } catch {
                throw RPCFailure(RPCFailure.invalidAddressOrKey, "Block not found")
            }
            return .object([("tip", .string(chain.tip.hash.displayHex)), ("height", .int(Int64(chain.height)))])
        case "siminvalidate":
            return try blockchain("invalidateblock", raw)
        case "simsetpeers":
            let p = try RPCParams(method: method, names: ["peers"], raw: raw)
            guard case .array(let items) = try p.required(0) else {
                throw RPCFailure.typeMismatch(p[0], expected: "array")
            }
            var newPeers: [FakePeer] = []
            for item in items {
                newPeers.append(try FakePeer(json: item, id: nextPeerId, height: chain.height, now: clock()))
                nextPeerId += 1
            }
            peers = newPeers
            return .int(Int64(peers.count))
        case "simdroppeers":
            let p = try RPCParams(method: method, names: ["connection_type"], raw: raw)
            let type = try p.optionalString(0)
            let before = peers.count
            peers.removeAll { type == nil || $0.connectionType == type }
            return .int(Int64(before - peers.count))
        case "simprune":
            let p = try RPCParams(method: method, names: ["height"], raw: raw)
            pruneMode = true
            for block in chain.prune(below: try p.int(0)) { withheld[block.hash] = block }
            return .int(Int64(chain.pruneHeight ?? 0))
        case "simfetchlog":
            _ = try RPCParams(method: method, names: [], raw: raw)
            return .array(fetchLog.map { .object([("blockhash", .string($0.0.displayHex)), ("peer_id", .int(Int64($0.1)))]) })
        case "simsetblocksource":
            return try setBlockSource(raw)
        case "simsetibd":
            let p = try RPCParams(method: method, names: ["enabled"], raw: raw)
            let enabled = try p.bool(0, default: true)
            initialBlockDownload = enabled
            initialBlockDownloadPinned = enabled
            return .object([("initialblockdownload", .bool(initialBlockDownload))])
        case "simsetwarmup":
            let p = try RPCParams(method: method, names: ["enabled", "message"], raw: raw)
            warmupMessage = try p.bool(0, default: true) ? (try p.optionalString(1) ?? "Loading block index…") : nil
            return .null
        default:
            throw RPCFailure(RPCFailure.methodNotFound, "Method not found")
        }
    }

    /// Starts or stops interval mining. Once this returns with mining disabled, no further
    /// block is mined by an older timer (each timer carries a generation number).
    func setMining(enabled: Bool, interval: Double) {
        miningTask?.cancel()
        miningTask = nil
        miningInterval = interval
        miningGeneration &+= 1
        guard enabled, interval > 0 else { return }
        let generation = miningGeneration
        miningTask = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(interval))
                guard !Task.isCancelled, let self else { return }
                await self.timerMine(generation: generation)
            }
        }
    }

    /// One interval-mining tick, ignored when mining was stopped or restarted meanwhile.
    func timerMine(generation: UInt64) {
        guard generation == miningGeneration else { return }
        _ = try? mine(1, to: Self.defaultScript)
    }

    /// Builds a competing branch (see the table above).
    func fork(depth: Int, count: Int, mode: String) throws(RPCFailure) -> JSONValue {
        guard depth >= 0, depth <= chain.height else {
            throw RPCFailure(RPCFailure.invalidParameter, "depth must be between 0 and the height \(chain.height)")
        }
        guard count >= 1, count <= 10_000 else {
            throw RPCFailure(RPCFailure.invalidParameter, "nblocks must be between 1 and 10000")
        }
        guard ["full", "headers-only", "valid-headers"].contains(mode) else {
            throw RPCFailure(RPCFailure.invalidParameter, "mode must be full, headers-only or valid-headers")
        }
        forkCounter += 1
        guard let forkHash = chain.hash(atHeight: chain.height - depth), var parent = chain.entry(forkHash) else {
            throw RPCFailure(RPCFailure.miscError, "fork point missing")
        }
        for _ in 0..<count {
            let time = chain.nextBlockTime(parent: parent.hash, now: UInt32(clamping: clock()))
            do {
                let block = try Miner.mine(
                    parent: parent.hash, height: parent.height + 1, time: time,
                    scriptPubKey: Self.defaultScript, extraNonce: forkCounter)
                switch mode {
                case "headers-only":
                    parent = try chain.add(header: block.header, block: nil)
                    withheld[block.hash] = block
                case "valid-headers":
                    parent = try chain.add(header: block.header, block: block, deferred: true)
                default:
                    parent = try chain.add(header: block.header, block: block)
                }
            } catch {
                throw RPCFailure(RPCFailure.miscError, "simnode could not build the fork: \(error)")
            }
        }
        apply(chain.activateBestChain())
        let tipEntry = chain.entry(parent.hash) ?? parent
        return .object([
            ("forkpoint", .string(forkHash.displayHex)),
            ("tip", .string(parent.hash.displayHex)),
            ("height", .int(Int64(parent.height))),
            ("status", .string(chain.status(tipEntry))),
        ])
    }
}
