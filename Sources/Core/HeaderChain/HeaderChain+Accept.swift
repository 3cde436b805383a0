import BitcoinPrimitives

extension HeaderChain {
    /// Validates a batch and stores it, all or nothing.
    ///
    /// Headers may arrive in any order in which each one's parent is known by then (stored, or
    /// earlier in the batch). Headers already stored are skipped. Checks, in Bitcoin Core's order:
    /// nBits is a valid target within powLimit and the hash meets it; the parent is known; nBits is
    /// what the difficulty rules require; time is after median-time-past; BIP94's timewarp limit;
    /// time is at most two hours ahead of `now`; version floors (BIP34/66/65); then the caps.
    ///
    /// - Parameters:
    ///   - headers: the batch, parents before children.
    ///   - source: who sent it; its stored headers are capped by ``Limits/maxHeadersPerSource``.
    ///   - now: the current time in seconds since 1970 (injected clock).
    /// - Returns: the headers stored and the best-chain change.
    /// - Throws: ``HeaderRejection`` for the first header refused; nothing of the batch is kept.
    public mutating func accept(
        _ headers: some Collection<BlockHeader>, from source: HeaderSource, now: Int64
    ) throws(HeaderRejection) -> AcceptResult {
        // One copy into a concrete array, so the loop below is not generic code across modules.
        if let array = headers as? [BlockHeader] { return try acceptBatch(array, from: source, now: now) }
        return try acceptBatch(Array(headers), from: source, now: now)
    }

    mutating func acceptBatch(
        _ headers: [BlockHeader], from source: HeaderSource, now: Int64
    ) throws(HeaderRejection) -> AcceptResult {
        let start = nodes.count
        var alreadyKnown = 0
        let sourceRoom = limits.maxHeadersPerSource - storedPerSource[source, default: 0]
        var bestNew: Int32 = -1
        var proofOfWork = ProofOfWorkCheck(powLimit: params.powLimit)
        for position in headers.indices {
            let header = headers[position]
            let hash = header.hash
            // In a batch in chain order the parent is the header just stored: no lookup. And a
            // stored header's parent is stored with a child, so a header whose parent has no
            // children is new: the linear case needs one hash-table operation (the insert).
            let last = nodes.count - 1
            let knownParent = nodes.count > start && nodes[last].hash == header.previousBlockHash
                ? Int32(last) : index.find(header.previousBlockHash, in: nodes)
            if knownParent.map({ nodes[Int($0)].children > 0 }) ?? true, index.find(hash, in: nodes) != nil {
                alreadyKnown += 1
                continue
            }
            do throws(HeaderRejection.Rule) {
                let (parentIndex, work) = try check(header, hash: hash, parent: knownParent, proofOfWork: &proofOfWork)
                guard nodes.count - start < sourceRoom else { throw .sourceLimit(limit: limits.maxHeadersPerSource) }
                try checkContext(header, parent: parentIndex, now: now)
                let branches = nodes[Int(parentIndex)].children > 0
                if branches, tipCount >= limits.maxTips { throw .forkLimit(limit: limits.maxTips) }
                let height = nodes[Int(parentIndex)].height + 1
                let node = Node(
                    header: header, hash: hash, height: height, parent: parentIndex,
                    chainWork: nodes[Int(parentIndex)].chainWork &+ work, children: 0,
                    walkBackBits: walkBackBits(height: Int(height), bits: header.bits, parent: parentIndex))
                nodes[Int(parentIndex)].children += 1
                if branches { tipCount += 1 }
                let newIndex = Int32(nodes.count)
                nodes.append(node)
                index.insert(hash, node: newIndex, in: nodes)
                if bestNew < 0 || nodes[Int(bestNew)].chainWork < node.chainWork { bestNew = newIndex }
            } catch {
                let height: Int? = index.find(header.previousBlockHash, in: nodes).map { Int(nodes[Int($0)].height) + 1 }
                rollBack(to: start)
                throw HeaderRejection(rule: error, hash: hash, height: height, indexInBatch: position)
            }
        }
        let added = nodes.count - start
        if added > 0 { storedPerSource[source, default: 0] += added }
        var accepted: [ValidatedHeader] = []
        accepted.reserveCapacity(added)
        for i in start..<nodes.count { accepted.append(validated(Int32(i))) }
        var change: TipChange?
        if bestNew >= 0, nodes[Int(tipIndex)].chainWork < nodes[Int(bestNew)].chainWork {
            change = switchTip(to: bestNew)
        }
        return AcceptResult(accepted: accepted, alreadyKnown: alreadyKnown, tipChange: change)
    }

    /// Context-free checks: target and proof of work, then linkage.
    /// - Parameter proofOfWork: the batch's check, which keeps the last nBits' target and work.
    /// - Returns: the parent's node index and the header's work.
    @inline(__always)
    func check(
        _ header: BlockHeader, hash: BlockHash, parent: Int32?, proofOfWork: inout ProofOfWorkCheck
    ) throws(HeaderRejection.Rule) -> (parent: Int32, work: UInt256) {
        let work = try proofOfWork.check(bits: header.bits, hash: hash)
        guard let parent else {
            throw .doesNotConnect(previous: header.previousBlockHash)
        }
        return (parent, work)
    }

    /// Rules that depend on the parent's chain: difficulty, time, version.
    func checkContext(_ header: BlockHeader, parent: Int32, now: Int64) throws(HeaderRejection.Rule) {
        let height = Int(nodes[Int(parent)].height) + 1
        let parentTime = nodes[Int(parent)].header.time
        let required: UInt32
        if !params.allowMinDifficultyBlocks, height % interval != 0 {
            required = nodes[Int(parent)].header.bits
        } else {
            // The rules ask for decreasing heights (the min-difficulty walk-back goes one by
            // one): continue from the last answer, so a walk costs its length, not its square.
            var cursor = parent
            do {
                required = try DifficultyRules.nextBits(
                    params: params, last: entry(parent), newTime: header.time,
                    ancestor: { h in
                        let from = h < Int(nodes[Int(cursor)].height) ? cursor : parent
                        guard let found = ancestor(of: from, atHeight: h) else { return nil }
                        cursor = found
                        return entry(found)
                    })
            } catch { throw .missingContext(error) }
        }
        guard header.bits == required else { throw .badDifficultyBits(expected: required, actual: header.bits) }

        guard isAfterMedianTimePast(header.time, parent: parent) else {
            throw .timeTooOld(medianTimePast: medianTimePast(of: parent))
        }
        if params.breaksTimewarpLimit(height: height, time: header.time, parentTime: parentTime) {
            throw .timewarp(previousTime: parentTime)
        }
        guard MedianTimePast.isWithinFutureLimit(header.time, now: now) else {
            throw .timeTooNew(limit: now + ChainParams.maxFutureBlockTime)
        }
        let minimum = params.minimumVersion(atHeight: height)
        guard header.version >= minimum else { throw .badVersion(minimum: minimum) }
    }

    func entry(_ i: Int32) -> ChainEntry {
        let n = nodes[Int(i)]
        return ChainEntry(
            height: Int(n.height), time: n.header.time, bits: n.header.bits,
            walkBackBits: n.walkBackBits == 0 ? nil : n.walkBackBits)
    }

    /// Whether `time` is after the median of `parent`'s and up to 10 earlier timestamps
    /// (``MedianTimePast/isAfterMedian(_:of:)`` over them, gathered on a stack buffer).
    @inline(__always)
    func isAfterMedianTimePast(_ time: UInt32, parent: Int32) -> Bool {
        withTimestamps(endingAt: parent) { MedianTimePast.isAfterMedian(time, of: UnsafeBufferPointer($0)) }
    }

    /// Median of the timestamps of `node` and up to 10 of its ancestors.
    func medianTimePast(of node: Int32) -> UInt32 {
        withTimestamps(endingAt: node) { MedianTimePast.medianInPlace($0) }
    }

    /// Calls `body` with the timestamps of `node` and up to 10 of its ancestors, on the stack.
    @inline(__always)
    func withTimestamps<R>(endingAt node: Int32, _ body: (UnsafeMutableBufferPointer<UInt32>) -> R) -> R {
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: ChainParams.medianTimeSpan) { buffer in
            var i = node
            var n = 0
            while i >= 0, n < ChainParams.medianTimeSpan {
                buffer[n] = nodes[Int(i)].header.time
                n += 1
                i = nodes[Int(i)].parent
            }
            return body(UnsafeMutableBufferPointer(rebasing: buffer[0..<n]))
        }
    }

    /// Undoes every node appended since `start`, in reverse.
    mutating func rollBack(to start: Int) {
        var i = nodes.count - 1
        while i >= start {
            let n = nodes[i]
            index.remove(n.hash, in: nodes)
            nodes[Int(n.parent)].children -= 1
            if nodes[Int(n.parent)].children > 0 { tipCount -= 1 }
            i -= 1
        }
        nodes.removeSubrange(start...)
    }

    /// Makes `newTip` the best tip, rewriting the best-chain index from the fork point.
    mutating func switchTip(to newTip: Int32) -> TipChange {
        let oldTip = tipIndex
        var path: [Int32] = []
        var i = newTip
        while !isActive(i) {
            path.append(i)
            i = nodes[Int(i)].parent
        }
        let fork = i
        active.removeSubrange((Int(nodes[Int(fork)].height) - lowestHeight + 1)...)
        active.append(contentsOf: path.reversed())
        tipIndex = newTip
        if fork == oldTip { return .extended(oldTip: validated(oldTip), newTip: validated(newTip)) }
        return .reorganized(forkPoint: validated(fork), oldTip: validated(oldTip), newTip: validated(newTip))
    }
}
