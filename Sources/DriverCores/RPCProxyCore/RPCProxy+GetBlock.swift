import BitcoinPrimitives
import BitcoindRPC
import GetBlockFromPeerDriverCore
import JSON
import NIOCore

/// Holding `getblock` calls while their blocks are fetched, single and in batches.
extension RPCProxy {
    /// A single `getblock`: on "block data missing", fetch, then ask bitcoind again.
    /// - Returns: bitcoind's second answer, or its first when nothing was to be fetched.
    func retryGetBlock(_ call: ProxyCall, request: Request, reply: ForwardedReply, user: String) async -> ForwardedReply {
        guard reply.body.readableBytes <= configuration.inspectLimit else { return reply }
        let hash: BlockHash? = reply.body.withUnsafeReadableBytes { replyBytes in
            guard case .object(let members)? = try? JSONScanner.shape(of: replyBytes),
                BitcoindErrorObject.of(members, in: replyBytes)?.meansBlockDataMissing == true
            else { return nil }
            return request.body.withUnsafeReadableBytes { ProxyRequest.blockHash(of: call, in: $0) }
        }
        guard let hash else { return reply }
        let granted = takeFetchSlots(user, for: [hash])
        defer { releaseFetchSlots(user, granted) }
        guard !granted.isEmpty else { return reply }
        await fetch(hash)
        return (try? await rpc.forward(request.body, uri: request.uri, method: "getblock")) ?? reply
    }

    /// A batch with `getblock` calls: fetch the blocks of those that failed for missing data,
    /// send those calls again as one batch and put their new answers in place of the old.
    /// Other calls' answers stay as bitcoind first gave them.
    func retryGetBlocks(_ calls: [ProxyCall], request: Request, reply: ForwardedReply, user: String) async -> ForwardedReply {
        // Replies pair with calls by position only when every call got one (no 2.0 notifications).
        let replyShape = reply.body.withUnsafeReadableBytes { try? JSONScanner.shape(of: $0) }
        guard case .array(let items)? = replyShape, items.count == calls.count else { return reply }
        var retry: [(index: Int, hash: BlockHash)] = []
        reply.body.withUnsafeReadableBytes { replyBytes in
            request.body.withUnsafeReadableBytes { requestBytes in
                for (i, call) in calls.enumerated() where call.isGetBlock {
                    guard BitcoindErrorObject.of(items[i], in: replyBytes)?.meansBlockDataMissing == true,
                        let hash = ProxyRequest.blockHash(of: call, in: requestBytes)
                    else { continue }
                    retry.append((i, hash))
                }
            }
        }
        guard !retry.isEmpty else { return reply }
        // At most `fetchesPerUser` blocks per user at once; calls for the others keep
        // bitcoind's first answer.
        var distinct: [BlockHash] = []
        for hash in retry.map(\.hash) where !distinct.contains(hash) { distinct.append(hash) }
        let granted = takeFetchSlots(user, for: distinct)
        defer { releaseFetchSlots(user, granted) }
        guard !granted.isEmpty else { return reply }
        let fetched = Set(granted)
        retry = retry.filter { fetched.contains($0.hash) }
        await withTaskGroup(of: Void.self) { group in
            for hash in fetched { group.addTask { await self.fetch(hash) } }
        }
        // The retried calls' own bytes, as one batch.
        var again = ByteBuffer()
        again.writeString("[")
        for (n, entry) in retry.enumerated() {
            guard let range = calls[entry.index].members?.range else { return reply }
            if n > 0 { again.writeString(",") }
            var slice = request.body.getSlice(at: request.body.readerIndex + range.lowerBound, length: range.count) ?? ByteBuffer()
            again.writeBuffer(&slice)
        }
        again.writeString("]")
        guard let second = try? await rpc.forward(again, uri: request.uri, method: "getblock"), second.status == 200,
            case .array(let newItems)? = second.body.withUnsafeReadableBytes({ try? JSONScanner.shape(of: $0) }),
            newItems.count == retry.count
        else { return reply }
        // Splice: bitcoind's bytes for every item, the new ones where calls were retried.
        var replacement: [Int: Range<Int>] = [:]
        for (n, entry) in retry.enumerated() {
            guard let range = newItems[n]?.range else { return reply }
            replacement[entry.index] = range
        }
        var body = ByteBuffer()
        body.reserveCapacity(reply.body.readableBytes + second.body.readableBytes)
        body.writeString("[")
        for (i, item) in items.enumerated() {
            if i > 0 { body.writeString(",") }
            let source = replacement[i] != nil ? second.body : reply.body
            guard let range = replacement[i] ?? item?.range,
                var slice = source.getSlice(at: source.readerIndex + range.lowerBound, length: range.count)
            else {
                return reply
            }
            body.writeBuffer(&slice)
        }
        body.writeString("]\n")
        return ForwardedReply(status: reply.status, body: body)
    }

    /// Grants `user` the fetches of `hashes` its budget allows: a block the user or anyone is
    /// already fetching joins that fetch for free; a new one needs one of the user's
    /// ``Configuration/fetchesPerUser`` slots (one per distinct block under way).
    /// - Returns: the hashes granted, in order; release them with ``releaseFetchSlots(_:_:)``.
    func takeFetchSlots(_ user: String, for hashes: [BlockHash]) -> [BlockHash] {
        let limit = configuration.fetchesPerUser
        let running = inFlight.withLockedValue { Set($0.keys) }
        let granted = fetchesByUser.withLockedValue { users -> [BlockHash] in
            var mine = users[user, default: [:]]
            var granted: [BlockHash] = []
            for hash in hashes where mine[hash] != nil || running.contains(hash) || mine.count < limit {
                mine[hash, default: 0] += 1
                granted.append(hash)
            }
            users[user] = mine.isEmpty ? nil : mine
            return granted
        }
        if granted.count < hashes.count {
            let refused = hashes.count - granted.count
            metrics.fetchesRefused(refused)
            logger.warning("user \(user): \(refused) of \(hashes.count) missing blocks not fetched: \(limit) fetches per user at once (--fetches-per-user); those calls get bitcoind's answer")
        }
        return granted
    }

    /// Gives back what ``takeFetchSlots(_:for:)`` granted.
    func releaseFetchSlots(_ user: String, _ hashes: [BlockHash]) {
        guard !hashes.isEmpty else { return }
        fetchesByUser.withLockedValue { users in
            var mine = users[user, default: [:]]
            for hash in hashes {
                let left = (mine[hash] ?? 1) - 1
                mine[hash] = left > 0 ? left : nil
            }
            users[user] = mine.isEmpty ? nil : mine
        }
    }

    /// Fetches a block through bitcoind's peers, up to the deadline. Concurrent callers for one
    /// block share one fetch (and one count in the metrics); failures are logged and counted,
    /// and the callers then get bitcoind's own answer.
    func fetch(_ hash: BlockHash) async {
        let task = inFlight.withLockedValue { tasks -> Task<Void, Never> in
            if let existing = tasks[hash] { return existing }
            let task = Task { await self.fetchOnce(hash) }
            tasks[hash] = task
            return task
        }
        await task.value
        inFlight.withLockedValue { tasks in
            if tasks[hash] == task { tasks[hash] = nil }
        }
    }

    private func fetchOnce(_ hash: BlockHash) async {
        let started = ContinuousClock.now
        do throws(BlockFetchError) {
            _ = try await fetcher.block(hash, deadline: started + configuration.fetchDeadline)
            let took = ContinuousClock.now - started
            metrics.fetched(after: took, delivered: true)
            logger.info("getblock \(hash.displayHex): block fetched from a peer in \(took)")
        } catch {
            if case .headerMissing = error {
                // bitcoind does not know the block at all: its "Block not found" stands.
                logger.debug("getblock \(hash.displayHex): \(error)")
                return
            }
            metrics.fetched(after: ContinuousClock.now - started, delivered: false)
            logger.warning("getblock \(hash.displayHex): \(error); answering bitcoind's error")
        }
    }
}
