import Foundation
import BitcoinPrimitives
import DriverProtocol
import HeaderChain

extension Rescue {
    /// A block fetched and checked, ready for `submitblock`.
    struct FetchedBlock: Sendable {
        let bytes: [UInt8]
        let driver: String
    }

    /// Fetches the path's blocks, at most ``AltLogicConfig/maxBlocksInFlight`` at once
    /// (fetched-but-waiting ones included), and hands them to bitcoind with `submitblock` in
    /// chain order. Each block is asked first of the sources whose headers claimed it (fastest
    /// first), then of any driver that carries blocks.
    /// - Parameters:
    ///   - path: the headers whose blocks bitcoind lacks, oldest first.
    ///   - claimedBy: the sources that sent a header, fastest first.
    /// - Throws: ``RescueStop`` when a block cannot be fetched or bitcoind refuses one.
    mutating func fetchAndSubmitBlocks(_ path: [ValidatedHeader], claimedBy: @escaping @Sendable (BlockHash) -> [SourceCandidate]) async throws {
        guard !path.isEmpty else { return }
        let window = max(1, config.maxBlocksInFlight)
        let fetcher = BlockFetcher(router: router, config: config, wanted: Set(path.map(\.hash)),
                                   stash: BlockStash(capacity: 4 * window), claimedBy: claimedBy)
        var failure: RescueStop?
        var next = 0
        var launched = 0
        var ready: [Int: FetchedBlock] = [:]
        await withTaskGroup(of: (Int, Result<FetchedBlock, RescueStop>).self) { group in
            func launch() {
                while launched < path.count && launched - next < window {
                    let index = launched
                    let header = path[index]
                    group.addTask { (index, await fetcher.fetch(header)) }
                    launched += 1
                }
            }
            launch()
            while let (index, result) = await group.next() {
                switch result {
                case .failure(let stop):
                    failure = stop
                case .success(let block):
                    ready[index] = block
                }
                if failure == nil, clock.now() >= deadline { failure = RescueStop(outcome: .failed("rescue timed out")) }
                // Every block ready in chain order goes to bitcoind in one batch.
                var run: [FetchedBlock] = []
                while failure == nil, run.count < Self.submitBatch, let block = ready.removeValue(forKey: next + run.count) {
                    report.used(block.driver)
                    report.blocksFetched += 1
                    AltLogicMetrics.blockFetched(driver: block.driver)
                    run.append(block)
                }
                if !run.isEmpty {
                    do {
                        try await submit(run, headers: path[next..<(next + run.count)])
                        next += run.count
                    } catch let stop as RescueStop {
                        failure = stop
                    } catch {
                        failure = RescueStop(outcome: .failed("submitblock \(path[next].hash): \(error)"))
                    }
                }
                if failure != nil {
                    group.cancelAll()
                    break
                }
                launch()
            }
        }
        if let failure { throw failure }
    }

    /// Blocks handed to bitcoind per batch RPC.
    static let submitBatch = 64

    /// `submitblock` for consecutive blocks, in order, in one batch; "duplicate" and
    /// "inconclusive" (a side branch until its last block) are fine.
    private mutating func submit(_ blocks: [FetchedBlock], headers: ArraySlice<ValidatedHeader>) async throws {
        let verdicts = try await backend.submitBlocks(blocks.map(\.bytes))
        for (verdict, header) in zip(verdicts, headers) {
            switch verdict {
            case .success(nil), .success("duplicate"), .success("inconclusive"):
                report.blocksSubmitted += 1
            case .success(let reason?):
                throw RescueStop(outcome: .failed("bitcoind refused block \(header.hash) at \(header.height): \(reason)"))
            case .failure(let error):
                throw RescueStop(outcome: .failed("submitblock \(header.hash) at \(header.height): \(error)"))
            }
        }
    }
}

/// Blocks that arrived for any request of this rescue. Drivers match a reply to the first
/// waiting request with the same command, so with several `getdata` in flight to one peer a
/// block may come back on another request's answer (or on a request the core gave up on); every
/// valid block this rescue wants is kept here until its own fetch takes it.
actor BlockStash {
    private var blocks: [BlockHash: Rescue.FetchedBlock] = [:]
    private var order: [BlockHash] = []
    private var waiters: [BlockHash: (id: Int, continuation: CheckedContinuation<Rescue.FetchedBlock?, Never>)] = [:]
    private var nextWaiter = 0
    let capacity: Int

    init(capacity: Int) { self.capacity = max(1, capacity) }

    /// Keeps a block (hands it to the fetch waiting for it, if any).
    func put(_ hash: BlockHash, _ block: Rescue.FetchedBlock) {
        if let waiter = waiters.removeValue(forKey: hash) {
            waiter.continuation.resume(returning: block)
            return
        }
        guard blocks[hash] == nil else { return }
        blocks[hash] = block
        order.append(hash)
        while order.count > capacity { blocks[order.removeFirst()] = nil }
    }

    func take(_ hash: BlockHash) -> Rescue.FetchedBlock? {
        guard let block = blocks.removeValue(forKey: hash) else { return nil }
        order.removeAll { $0 == hash }
        return block
    }

    /// Waits up to `timeout` for a block (one waiter per hash: the fetch that owns it).
    func wait(for hash: BlockHash, timeout: Duration) async -> Rescue.FetchedBlock? {
        if let block = take(hash) { return block }
        nextWaiter += 1
        let id = nextWaiter
        let timer = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            await self?.expire(hash, id: id)
        }
        defer { timer.cancel() }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                if let previous = waiters.updateValue((id, continuation), forKey: hash) {
                    previous.continuation.resume(returning: nil)
                }
            }
        } onCancel: {
            Task { await self.expire(hash, id: id) }
        }
    }

    private func expire(_ hash: BlockHash, id: Int) {
        guard let waiter = waiters[hash], waiter.id == id else { return }
        waiters[hash] = nil
        waiter.continuation.resume(returning: nil)
    }
}

/// Fetches one block through the drivers: `getdata MSG_WITNESS_BLOCK` to
/// ``AltLogicConfig/blockFetchWidth`` targets at once (the sources whose headers claimed the
/// block, fastest first, then every driver that carries blocks, letting it pick a peer); the
/// first valid answer wins, retried with the next targets up to ``AltLogicConfig/blockAttempts``
/// times. Slower answers are not thrown away: a late answer may carry a block another fetch is
/// waiting for; it goes to the stash. An answer counts only if it is a block this rescue asked
/// for and its transactions match the header's merkle root and the witness commitment.
struct BlockFetcher: Sendable {
    let router: any HeaderRouter
    let config: AltLogicConfig
    let wanted: Set<BlockHash>
    let stash: BlockStash
    let claimedBy: @Sendable (BlockHash) -> [SourceCandidate]

    /// How long a fetch whose drivers all answered waits for its block to turn up on another
    /// fetch's answer before trying again.
    static let grace: Duration = .seconds(1)

    /// A driver and, when a source claimed the block, its peer.
    struct Target: Sendable, Equatable {
        let driver: String
        let peer: String?
    }

    /// Where to ask for `hash`: claimants on drivers that carry blocks, then those drivers.
    func targets(for hash: BlockHash) -> [Target] {
        let drivers = router.blockDrivers()
        var targets = claimedBy(hash).filter { drivers.contains($0.driver) }.map { Target(driver: $0.driver, peer: $0.peer) }
        for driver in drivers where !targets.contains(Target(driver: driver, peer: nil)) {
            targets.append(Target(driver: driver, peer: nil))
        }
        return targets
    }

    func fetch(_ header: ValidatedHeader) async -> Result<Rescue.FetchedBlock, RescueStop> {
        let expected = header.hash
        let (router, wanted, stash, timeout) = (router, wanted, stash, config.blockTimeout)
        let problems = ProblemLog()
        var cursor = 0
        for _ in 0..<max(1, config.blockAttempts) {
            if Task.isCancelled { break }
            if let block = await stash.take(expected) { return .success(block) }
            let targets = targets(for: expected)
            guard !targets.isEmpty else {
                problems.add("no ready driver carries blocks")
                try? await Task.sleep(for: .milliseconds(200))
                continue
            }
            let chosen = Self.pick(targets, width: max(1, config.blockFetchWidth), cursor: &cursor)
            problems.outstanding(chosen.count)
            for target in chosen {
                // Not cancelled when another target wins: its answer may be another fetch's block.
                Task {
                    defer { problems.finished() }
                    do throws(DriverProtocolError) {
                        let result = try await router.getBlock(expected, driver: target.driver, peer: target.peer, timeout: timeout)
                        let (hash, bytes) = try Self.checkedBlock(in: result, expected: expected, wanted: wanted)
                        await stash.put(hash, Rescue.FetchedBlock(bytes: bytes, driver: target.driver))
                    } catch {
                        problems.add("\(target.driver): \(error.kind.rawValue): \(error.message.prefix(160))")
                    }
                }
            }
            // Until an answer brings it, or every target asked has answered (then a short grace
            // for the block to arrive on another fetch's answer).
            let until = ContinuousClock.now + timeout
            while ContinuousClock.now < until, !Task.isCancelled {
                let allAnswered = problems.pending == 0
                if let block = await stash.wait(for: expected, timeout: allAnswered ? Self.grace : .milliseconds(250)) {
                    return .success(block)
                }
                if allAnswered { break }
            }
        }
        return .failure(RescueStop(outcome: .failed(
            "block \(header.hash) at \(header.height) not fetched: \(problems.last.prefix(300))")))
    }

    /// The next targets to ask, from `cursor` on (cyclically): at most `width`, never two of one
    /// driver in one attempt (a driver asked twice for one block would only double its peer's load).
    /// - Returns: the targets, in order; `cursor` moves past the last one taken.
    static func pick(_ targets: [Target], width: Int, cursor: inout Int) -> [Target] {
        guard !targets.isEmpty else { return [] }
        var chosen: [Target] = []
        var offset = 0
        while offset < targets.count, chosen.count < width {
            let index = (cursor + offset) % targets.count
            offset += 1
            if chosen.contains(where: { $0.driver == targets[index].driver }) { break }
            chosen.append(targets[index])
        }
        cursor = (cursor + max(1, chosen.count)) % targets.count
        return chosen
    }

    /// The hash and bytes of the block in an answer, if it is one this rescue wants and well-formed.
    /// - Throws: ``DriverProtocolError`` (`peerUnavailable`).
    static func checkedBlock(in result: SendMessageResult, expected: BlockHash, wanted: Set<BlockHash>) throws(DriverProtocolError) -> (BlockHash, [UInt8]) {
        guard let reply = result.replies.first(where: { $0.command == "block" }) else {
            throw DriverProtocolError(.peerUnavailable, "the peer does not have block \(expected)")
        }
        guard let bytes = try? reply.payloadBytes(), bytes.count <= Block.maxSerializedSize else {
            throw DriverProtocolError(.peerUnavailable, "block \(expected): payload is not hex or too large")
        }
        let block: Block
        do { block = try Block(bytes: bytes) } catch {
            throw DriverProtocolError(.peerUnavailable, "block \(expected) does not parse: \(error)")
        }
        guard block.hash == expected || wanted.contains(block.hash) else {
            throw DriverProtocolError(.peerUnavailable, "asked for block \(expected), got \(block.hash)")
        }
        do { try block.checkStructure() } catch {
            throw DriverProtocolError(.peerUnavailable, "block \(block.hash) fails its commitments: \(error)")
        }
        return (block.hash, bytes)
    }
}

/// A fetch's driver requests still running and the last problem met, shared with its tasks.
final class ProblemLog: @unchecked Sendable {
    // @unchecked: `text` and `running` are guarded by `lock`.
    private let lock = NSLock()
    private var text = "no answer"
    private var running = 0

    func add(_ problem: String) { lock.withLock { text = problem } }
    var last: String { lock.withLock { text } }
    func outstanding(_ n: Int) { lock.withLock { running += n } }
    func finished() { lock.withLock { running -= 1 } }
    var pending: Int { lock.withLock { running } }
}
