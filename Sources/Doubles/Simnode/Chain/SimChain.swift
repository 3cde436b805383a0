import BitcoinPrimitives

/// One block known to simnode: its header always, its data unless headers-only.
public struct BlockEntry: Sendable {
    public let header: BlockHeader
    public let hash: BlockHash
    public let height: Int
    /// Total work of the chain ending here (regtest: 2 per block, see ``Regtest/workPerBlock``).
    public let chainWork: UInt64
    /// The full block, or nil when only the header is known ("headers-only").
    public var block: SimBlock?
    /// Marked invalid (invalidateblock, or descends from an invalid block).
    public var failed = false
    /// Block data deleted by pruning (simprune); getblock says "pruned data".
    public var pruned = false
    /// Block data present but held back from activation: getchaintips shows "valid-headers".
    public var deferred = false
    /// Arrival order, for bitcoind's tie-break (first seen wins among equal work).
    let sequence: Int
}

/// What a chain change did, in the order bitcoind's validation interface reports it.
public enum ChainEvent: Sendable {
    case disconnected(SimBlock)
    case connected(SimBlock)
    /// The new active tip after a step (bitcoind's UpdatedBlockTip: hashblock and rawblock).
    case tipChanged(SimBlock)
}

/// simnode's block tree and active chain: pure, in memory, no I/O.
public struct SimChain: Sendable {
    public private(set) var entries: [BlockHash: BlockEntry] = [:]
    /// Active chain hashes indexed by height.
    public private(set) var active: [BlockHash] = []
    private var children: [BlockHash: [BlockHash]] = [:]
    private var nextSequence = 0
    private let genesis: BlockEntry

    /// Starts at the regtest genesis block.
    /// - Throws: if the built-in genesis fails to parse (cannot happen; kept typed).
    public init() throws {
        let genesis = try Regtest.genesis()
        let entry = BlockEntry(
            header: genesis.header, hash: genesis.hash, height: 0, chainWork: Regtest.workPerBlock,
            block: genesis, sequence: 0)
        entries[entry.hash] = entry
        active = [entry.hash]
        nextSequence = 1
        self.genesis = entry
    }

    /// The active tip (the active chain always holds at least genesis).
    public var tip: BlockEntry { active.last.flatMap { entries[$0] } ?? genesis }
    public var height: Int { active.count - 1 }

    public func entry(_ hash: BlockHash) -> BlockEntry? { entries[hash] }

    public func isActive(_ entry: BlockEntry) -> Bool {
        entry.height < active.count && active[entry.height] == entry.hash
    }

    /// The active-chain block at a height.
    public func hash(atHeight h: Int) -> BlockHash? { h >= 0 && h < active.count ? active[h] : nil }

    /// Median of the last 11 block times ending at `hash` (BIP113 median time past).
    public func medianTimePast(_ hash: BlockHash) -> UInt32 {
        var times: [UInt32] = []
        var cursor: BlockHash? = hash
        while let h = cursor, let e = entries[h], times.count < 11 {
            times.append(e.header.time)
            cursor = e.height > 0 ? e.header.previousBlockHash : nil
        }
        times.sort()
        return times[times.count / 2]
    }

    /// Time for a new block on `parent`: max(now, MTP + 1), as Core's UpdateTime.
    public func nextBlockTime(parent: BlockHash, now: UInt32) -> UInt32 {
        max(now, medianTimePast(parent) + 1)
    }

    /// The most-work header not known invalid (bitcoind's best header, getblockchaininfo "headers").
    public var bestHeader: BlockEntry {
        var best = tip
        for e in entries.values where !e.failed && better(e, than: best) { best = e }
        return best
    }

    private func better(_ a: BlockEntry, than b: BlockEntry) -> Bool {
        a.chainWork > b.chainWork || (a.chainWork == b.chainWork && a.sequence < b.sequence)
    }

    /// Adds a block or a header. Headers-only when `block` is nil.
    /// - Returns: the entry (existing or new).
    /// - Throws: ``SimChainError`` when the parent is unknown.
    @discardableResult
    public mutating func add(header: BlockHeader, block: SimBlock?, deferred: Bool = false) throws(SimChainError) -> BlockEntry {
        let hash = header.hash
        if var existing = entries[hash] {
            if existing.block == nil, let block {
                existing.block = block
                existing.pruned = false
                entries[hash] = existing
            }
            return existing
        }
        guard let parent = entries[header.previousBlockHash] else {
            throw .unknownParent(header.previousBlockHash)
        }
        var entry = BlockEntry(
            header: header, hash: hash, height: parent.height + 1,
            chainWork: parent.chainWork + Regtest.workPerBlock, block: block, sequence: nextSequence)
        entry.failed = parent.failed
        entry.deferred = deferred
        nextSequence += 1
        entries[hash] = entry
        children[header.previousBlockHash, default: []].append(hash)
        return entry
    }

    /// True when this block and all its ancestors have data, none failed or deferred.
    func isCandidate(_ entry: BlockEntry) -> Bool {
        var cursor: BlockEntry? = entry
        while let e = cursor {
            if isActive(e) { return true }
            if e.block == nil || e.failed || e.deferred { return false }
            cursor = entries[e.header.previousBlockHash]
        }
        return false
    }

    /// Moves the active chain to the most-work candidate, as ActivateBestChain.
    /// - Returns: the disconnections, connections and tip change, in bitcoind's order.
    public mutating func activateBestChain() -> [ChainEvent] {
        var best = tip
        for e in entries.values where better(e, than: best) && isCandidate(e) { best = e }
        guard best.hash != tip.hash else { return [] }
        var path: [BlockHash] = []
        var cursor = best
        while !isActive(cursor) {
            path.append(cursor.hash)
            // Candidates reach the active chain (isCandidate checked it); stop safely otherwise.
            guard let parent = entries[cursor.header.previousBlockHash] else { return [] }
            cursor = parent
        }
        var events: [ChainEvent] = []
        while active.count - 1 > cursor.height {
            let removed = active.removeLast()
            if let block = entries[removed]?.block { events.append(.disconnected(block)) }
        }
        for hash in path.reversed() {
            active.append(hash)
            if let block = entries[hash]?.block { events.append(.connected(block)) }
        }
        if let block = tip.block { events.append(.tipChanged(block)) }
        return events
    }

    /// Marks a block and its descendants invalid and reorganises, as invalidateblock.
    /// - Throws: ``SimChainError`` for unknown blocks or genesis.
    public mutating func invalidate(_ hash: BlockHash) throws(SimChainError) -> [ChainEvent] {
        guard let e = entries[hash] else { throw .unknownBlock(hash) }
        guard e.height > 0 else { throw .genesis }
        setFlag(from: hash) { $0.failed = true }
        var events: [ChainEvent] = []
        if isActive(e) {
            while active.count > e.height {
                let removed = active.removeLast()
                if let block = entries[removed]?.block { events.append(.disconnected(block)) }
            }
            if let block = tip.block { events.append(.tipChanged(block)) }
        }
        let more = activateBestChain()
        if !more.isEmpty, case .tipChanged = events.last { events.removeLast() }
        return events + more
    }

    /// Clears the invalid mark of a block, its ancestors and descendants, as reconsiderblock.
    public mutating func reconsider(_ hash: BlockHash) throws(SimChainError) -> [ChainEvent] {
        guard entries[hash] != nil else { throw .unknownBlock(hash) }
        setFlag(from: hash) { $0.failed = false }
        var cursor = entries[hash]
        while let e = cursor {
            entries[e.hash]?.failed = false
            cursor = e.height > 0 ? entries[e.header.previousBlockHash] : nil
        }
        return activateBestChain()
    }

    /// Gives every headers-only or deferred block on the way to `hash` its data (building the
    /// data with `makeBlock` when missing) and activates the best chain.
    public mutating func release(
        _ hash: BlockHash, makeBlock: (BlockEntry) -> SimBlock?
    ) throws(SimChainError) -> [ChainEvent] {
        guard entries[hash] != nil else { throw .unknownBlock(hash) }
        var cursor = entries[hash]
        while let e = cursor, !isActive(e) {
            var updated = e
            updated.deferred = false
            if updated.block == nil { updated.block = makeBlock(e) }
            entries[e.hash] = updated
            cursor = entries[e.header.previousBlockHash]
        }
        return activateBestChain()
    }

    /// Deletes the data of active blocks below `height` (never genesis's header, and never the
    /// tip), as pruning does.
    /// - Returns: the blocks removed (a pretend peer keeps them for getblockfrompeer).
    public mutating func prune(below height: Int) -> [SimBlock] {
        var removed: [SimBlock] = []
        for h in 0..<min(height, self.height) {
            guard let hash = hash(atHeight: h), var e = entries[hash], let block = e.block else { continue }
            removed.append(block)
            e.block = nil
            e.pruned = true
            entries[hash] = e
        }
        return removed
    }

    /// The lowest active height whose block data is kept, when any was pruned.
    public var pruneHeight: Int? {
        guard let first = active.first, entries[first]?.pruned == true else { return nil }
        return active.firstIndex { entries[$0]?.block != nil }
    }

    private mutating func setFlag(from hash: BlockHash, _ change: (inout BlockEntry) -> Void) {
        var stack = [hash]
        while let h = stack.popLast() {
            if var e = entries[h] { change(&e); entries[h] = e }
            stack.append(contentsOf: children[h] ?? [])
        }
    }

    /// Chain tips as getchaintips lists them: blocks without children plus the active tip,
    /// highest first.
    public var tips: [BlockEntry] {
        var result = entries.values.filter { (children[$0.hash] ?? []).isEmpty }
        if !result.contains(where: { $0.hash == tip.hash }) { result.append(tip) }
        return result.sorted { $0.height != $1.height ? $0.height > $1.height : $0.sequence < $1.sequence }
    }

    /// The height where `entry`'s branch meets the active chain.
    public func forkHeight(_ entry: BlockEntry) -> Int {
        var cursor = entry
        while !isActive(cursor), let parent = entries[cursor.header.previousBlockHash] { cursor = parent }
        return cursor.height
    }

    /// getchaintips status, by Core's rule order: active, invalid, headers-only, valid-fork,
    /// valid-headers.
    public func status(_ entry: BlockEntry) -> String {
        if isActive(entry) { return "active" }
        if entry.failed { return "invalid" }
        var cursor: BlockEntry? = entry
        var deferred = false
        while let e = cursor, !isActive(e) {
            if e.block == nil { return "headers-only" }
            if e.deferred { deferred = true }
            cursor = entries[e.header.previousBlockHash]
        }
        return deferred ? "valid-headers" : "valid-fork"
    }

    /// The next active block after `entry`, if any.
    public func next(_ entry: BlockEntry) -> BlockHash? {
        isActive(entry) ? hash(atHeight: entry.height + 1) : nil
    }
}

/// Chain operations that cannot apply.
public enum SimChainError: Error, Sendable, Equatable {
    case unknownParent(BlockHash)
    case unknownBlock(BlockHash)
    case genesis
}
