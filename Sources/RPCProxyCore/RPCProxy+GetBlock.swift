import BitcoinPrimitives
import BitcoindRPC
import DriverRPCCore
import NIOCore

/// Holding `getblock` calls while their blocks are fetched, single and in batches.
extension RPCProxy {
    /// A single `getblock`: on "block data missing", fetch, then ask bitcoind again.
    /// - Returns: bitcoind's second answer, or its first when nothing was to be fetched.
    func retryGetBlock(_ call: ProxyCall, request: Request, reply: ForwardedReply, user: String) async -> ForwardedReply {
        guard reply.body.readableBytes <= configuration.inspectLimit else { return reply }
        let hash: BlockHash? = reply.body.withUnsafeReadableBytes { replyBytes in
            guard case .object(let members)? = try? JSONScanner.shape(of: replyBytes),
                RPCErrorObject.of(members, in: replyBytes)?.meansBlockDataMissing == true
            else { return nil }
            return request.body.withUnsafeReadableBytes { ProxyRequest.blockHash(of: call, in: $0) }
        }
        guard let hash else { return reply }
        guard takeFetchSlots(user, wanted: 1) == 1 else { return reply }
        defer { releaseFetchSlots(user, 1) }
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
                    guard RPCErrorObject.of(items[i], in: replyBytes)?.meansBlockDataMissing == true,
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
        let slots = takeFetchSlots(user, wanted: distinct.count)
        defer { releaseFetchSlots(user, slots) }
        guard slots > 0 else { return reply }
        let fetched = Set(distinct.prefix(slots))
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

    /// Takes up to `wanted` of `user`'s fetch slots.
    /// - Returns: how many were taken (0 when the user has ``Configuration/fetchesPerUser`` under way).
    func takeFetchSlots(_ user: String, wanted: Int) -> Int {
        let limit = configuration.fetchesPerUser
        let taken = fetchesByUser.withLockedValue { counts -> Int in
            let free = max(0, limit - counts[user, default: 0])
            let taken = min(free, wanted)
            counts[user, default: 0] += taken
            return taken
        }
        if taken < wanted {
            metrics.fetchesRefused(wanted - taken)
            logger.warning("user \(user): \(wanted - taken) of \(wanted) missing blocks not fetched: \(limit) fetches per user at once (--fetches-per-user); those calls get bitcoind's answer")
        }
        return taken
    }

    func releaseFetchSlots(_ user: String, _ count: Int) {
        guard count > 0 else { return }
        fetchesByUser.withLockedValue { counts in
            counts[user, default: 0] -= count
            if counts[user] ?? 0 <= 0 { counts[user] = nil }
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
