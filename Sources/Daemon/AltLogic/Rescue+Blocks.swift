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

    /// Fetches the path's blocks and hands them to bitcoind with `submitblock` in chain order,
    /// as ``BlockWindow`` schedules them: at most ``AltLogicConfig/maxBlocksInFlight`` fetches
    /// outstanding and ``AltLogicConfig/maxBlocksHeld`` blocks not yet taken by bitcoind, one
    /// batch `submitblock` at a time while the fetches after it go on. Each block is asked first
    /// of the sources whose headers claimed it (fastest first), then of any driver that carries
    /// blocks (``BlockFetcher``), and checked against its validated header before it is kept.
    /// - Parameters:
    ///   - path: the headers whose blocks bitcoind lacks, oldest first.
    ///   - claimedBy: the sources that sent a header, fastest first.
    /// - Throws: ``RescueStop`` when a block cannot be fetched or bitcoind refuses one.
    mutating func fetchAndSubmitBlocks(_ path: [ValidatedHeader], claimedBy: @escaping @Sendable (BlockHash) -> [SourceCandidate]) async throws {
        guard !path.isEmpty else { return }
        var window = BlockWindow(count: path.count, fetchWindow: config.maxBlocksInFlight, holdWindow: config.maxBlocksHeld)
        let fetcher = BlockFetcher(router: router, config: config, wanted: Set(path.map(\.hash)),
                                   stash: BlockStash(capacity: 4 * window.fetchWindow), claimedBy: claimedBy)
        let backend = backend
        var failure: RescueStop?
        var ready: [Int: FetchedBlock] = [:]
        await withTaskGroup(of: BlockStep.self) { group in
            while failure == nil {
                if let run = window.nextRun(maxRun: Self.submitBatch) {
                    let blocks = run.map { ready.removeValue(forKey: $0)!.bytes }
                    let headers = Array(path[run])
                    group.addTask { .submitted(run, await Self.submit(blocks, headers: headers, to: backend)) }
                }
                while let index = window.nextFetch() {
                    let header = path[index]
                    group.addTask { .fetched(index, await fetcher.fetch(header)) }
                }
                guard let step = await group.next() else { break }
                switch step {
                case .fetched(_, .failure(let stop)), .submitted(_, .failure(let stop)):
                    failure = stop
                case .fetched(let index, .success(let block)):
                    ready[index] = block
                    window.fetched(index)
                    report.used(block.driver)
                    report.blocksFetched += 1
                    AltLogicMetrics.blockFetched(driver: block.driver)
                case .submitted(let run, .success):
                    window.submitted(run)
                    report.blocksSubmitted += run.count
                }
                if failure == nil, clock.now() >= deadline { failure = RescueStop(outcome: .failed("rescue timed out")) }
            }
            group.cancelAll()
        }
        if let failure { throw failure }
        guard window.isDone else { throw RescueStop(outcome: .failed("block download ended with \(window.submitted) of \(path.count) blocks submitted")) }
    }

    /// What one child task of the download finished: a fetch, or a `submitblock` batch.
    enum BlockStep: Sendable {
        case fetched(Int, Result<FetchedBlock, RescueStop>)
        case submitted(Range<Int>, Result<Void, RescueStop>)
    }

    /// Blocks handed to bitcoind per batch RPC at most.
    static let submitBatch = 64

    /// `submitblock` for consecutive blocks, in order, in one batch; "duplicate" and
    /// "inconclusive" (a side branch until its last block) are fine.
    static func submit(_ blocks: [[UInt8]], headers: [ValidatedHeader], to backend: any ChainBackend) async -> Result<Void, RescueStop> {
        let verdicts: [Result<String?, ChainBackendError>]
        do {
            verdicts = try await backend.submitBlocks(blocks)
        } catch {
            return .failure(RescueStop(outcome: .failed("submitblock \(headers[0].hash): \(error)")))
        }
        guard verdicts.count == blocks.count else {
            return .failure(RescueStop(outcome: .failed("submitblock: \(verdicts.count) verdicts for \(blocks.count) blocks")))
        }
        for (verdict, header) in zip(verdicts, headers) {
            switch verdict {
            case .success(nil), .success("duplicate"), .success("inconclusive"):
                continue
            case .success(let reason?):
                return .failure(RescueStop(outcome: .failed("bitcoind refused block \(header.hash) at \(header.height): \(reason)")))
            case .failure(let error):
                return .failure(RescueStop(outcome: .failed("submitblock \(header.hash) at \(header.height): \(error)")))
            }
        }
        return .success(())
    }
}

/// Blocks that arrived for any request of this rescue. Drivers match a reply to the first
/// waiting request with the same command, so with several `getdata` in flight to one peer a
/// block may come back on another request's answer (or on a request the core gave up on); every
/// valid block this rescue wants is kept here until its own fetch takes it. A block its fetch
/// already took (a slower target's duplicate answer) is not kept again.
actor BlockStash {
    private var blocks: [BlockHash: Rescue.FetchedBlock] = [:]
    private var order: [BlockHash] = []
    /// Blocks a fetch took: one hash per block of the rescue's path at most.
    private var taken: Set<BlockHash> = []
    private var waiters: [BlockHash: (id: Int, continuation: CheckedContinuation<Rescue.FetchedBlock?, Never>)] = [:]
    private var nextWaiter = 0
    let capacity: Int

    init(capacity: Int) { self.capacity = max(1, capacity) }

    /// Keeps a block (hands it to the fetch waiting for it, if any).
    func put(_ hash: BlockHash, _ block: Rescue.FetchedBlock) {
        guard !taken.contains(hash) else { return }
        if let waiter = waiters.removeValue(forKey: hash) {
            taken.insert(hash)
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
        taken.insert(hash)
        return block
    }

    /// Blocks kept, waiting for their fetch.
    var count: Int { blocks.count }

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

    /// Ends the wait for `hash` early, without a block (a request for it failed).
    func wake(_ hash: BlockHash) {
        waiters.removeValue(forKey: hash)?.continuation.resume(returning: nil)
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
                    do throws(DriverProtocolError) {
                        let result = try await router.getBlock(expected, driver: target.driver, peer: target.peer, timeout: timeout)
                        let (hash, bytes) = try Self.checkedBlock(in: result, expected: expected, wanted: wanted)
                        if hash != expected { problems.misdirected() }
                        problems.finished()
                        await stash.put(hash, Rescue.FetchedBlock(bytes: bytes, driver: target.driver))
                    } catch {
                        problems.add("\(target.driver): \(error.kind.rawValue): \(error.message.prefix(160))")
                        problems.finished()
                        // The fetch need not wait out its poll: ask the next targets now.
                        await stash.wake(expected)
                    }
                }
            }
            // Until an answer brings it, or every target asked has answered: at once when none
            // brought another fetch's block, else after a short grace for this block to arrive
            // on another fetch's answer the same way.
            let until = ContinuousClock.now + timeout
            while ContinuousClock.now < until, !Task.isCancelled {
                let allAnswered = problems.pending == 0
                if allAnswered, !problems.sawMisdirected {
                    if let block = await stash.take(expected) { return .success(block) }
                    break
                }
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

/// A fetch's driver requests still running, the last problem met, and whether an answer brought
/// another fetch's block; shared with its tasks.
final class ProblemLog: @unchecked Sendable {
    // @unchecked: `text` and `running` are guarded by `lock`.
    private let lock = NSLock()
    private var text = "no answer"
    private var running = 0
    private var otherBlocks = false

    func add(_ problem: String) { lock.withLock { text = problem } }
    /// An answer carried another block this rescue wants (it went to the stash).
    func misdirected() { lock.withLock { otherBlocks = true } }
    /// Whether an answer carried another block: this one may come the same way.
    var sawMisdirected: Bool { lock.withLock { otherBlocks } }
    var last: String { lock.withLock { text } }
    func outstanding(_ n: Int) { lock.withLock { running += n } }
    func finished() { lock.withLock { running -= 1 } }
    var pending: Int { lock.withLock { running } }
}
