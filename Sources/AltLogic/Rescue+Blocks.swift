import Altstack
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

    /// Fetches the path's blocks through drivers that carry blocks, at most
    /// ``AltLogicConfig/maxBlocksInFlight`` at once (fetched-but-waiting ones included), and
    /// hands them to bitcoind with `submitblock` in chain order.
    /// - Throws: ``RescueStop`` when a block cannot be fetched or bitcoind refuses one.
    mutating func fetchAndSubmitBlocks(_ path: [ValidatedHeader]) async throws {
        guard !path.isEmpty else { return }
        let window = max(1, config.maxBlocksInFlight)
        let fetcher = BlockFetcher(altstack: altstack, config: config, wanted: Set(path.map(\.hash)),
                                   stash: BlockStash(capacity: 4 * window))
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
                if failure == nil, clock.now >= deadline { failure = RescueStop(outcome: RescueReport.Outcome.failed("rescue timed out")) }
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
                        failure = RescueStop(outcome: RescueReport.Outcome.failed("submitblock \(path[next].hash): \(error)"))
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
        let verdicts = try await view.rpc.batch("submitblock", blocks.map { [.hex($0.bytes)] }, as: String?.self)
        for (verdict, header) in zip(verdicts, headers) {
            switch verdict {
            case .success(nil), .success("duplicate"), .success("inconclusive"):
                report.blocksSubmitted += 1
            case .success(let reason?):
                throw RescueStop(outcome: RescueReport.Outcome.failed("bitcoind refused block \(header.hash) at \(header.height): \(reason)"))
            case .failure(let error):
                throw RescueStop(outcome: RescueReport.Outcome.failed("submitblock \(header.hash) at \(header.height): \(error)"))
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

/// Fetches one block through the Altstack: `getdata MSG_WITNESS_BLOCK` to the best
/// ``AltLogicConfig/blockFetchWidth`` ready drivers that exchange blocks, at once; the first
/// valid answer wins, retried (the next drivers first) up to ``AltLogicConfig/blockAttempts``
/// times. Slower answers are not thrown away: the drivers pair replies with requests by command
/// only, so a late answer may carry a block another fetch is waiting for; it goes to the stash.
/// An answer counts only if it is a block this rescue asked for and its transactions match the
/// header's merkle root and the witness commitment.
struct BlockFetcher: Sendable {
    let altstack: Altstack
    let config: AltLogicConfig
    let wanted: Set<BlockHash>
    let stash: BlockStash

    /// How long a fetch whose drivers all answered waits for its block to turn up on another
    /// fetch's answer before trying again.
    static let grace: Duration = .seconds(1)

    /// Drivers asked for blocks: the same rule as `Altstack.sendMessage` (the block is the
    /// `sendmessage` result, so the RPC driver, `receive: false`, qualifies).
    static let requirement = CapabilityRequirement.request(.blocks)

    func fetch(_ header: ValidatedHeader) async -> Result<Rescue.FetchedBlock, RescueStop> {
        var writer = ByteWriter()
        Inventory.encodeList([Inventory(type: .witnessBlock, hash: header.hash.hash)], to: &writer)
        let message = DriverProtocol.P2PMessage(command: "getdata", payload: writer.bytes.hex)
        let timeoutMs = Int(config.blockTimeout.components.seconds * 1000)
        let params = SendMessageParams(peer: nil, message: message, expect: ["block", "notfound"], timeoutMs: timeoutMs)
        let expected = header.hash
        let (wanted, stash, timeout) = (wanted, stash, config.blockTimeout)
        let problems = ProblemLog()
        for attempt in 0..<max(1, config.blockAttempts) {
            if Task.isCancelled { break }
            if let block = await stash.take(expected) { return .success(block) }
            let ready = altstack.eligible(Self.requirement).filter { $0.1.state == .ready }.map(\.0)
            guard !ready.isEmpty else {
                problems.add("no ready driver carries blocks")
                try? await Task.sleep(for: .milliseconds(200))
                continue
            }
            let width = max(1, config.blockFetchWidth)
            let start = (attempt * width) % ready.count
            let chosen = (0..<min(width, ready.count)).map { ready[(start + $0) % ready.count] }
            problems.outstanding(chosen.count)
            for supervisor in chosen {
                // Not cancelled when another driver wins: its answer may be another fetch's block.
                Task {
                    defer { problems.finished() }
                    do throws(DriverProtocolError) {
                        let result = try await supervisor.call(Methods.sendMessage, params, timeout: timeout + .seconds(1))
                            .result(as: SendMessageResult.self)
                        let (hash, bytes) = try Self.checkedBlock(in: result, expected: expected, wanted: wanted)
                        await stash.put(hash, Rescue.FetchedBlock(bytes: bytes, driver: supervisor.config.name))
                    } catch {
                        problems.add("\(supervisor.config.name): \(error.kind.rawValue): \(error.message.prefix(160))")
                    }
                }
            }
            // Until an answer brings it, or every driver asked has answered (then a short grace
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
        return .failure(RescueStop(outcome: RescueReport.Outcome.failed(
            "block \(header.hash) at \(header.height) not fetched: \(problems.last.prefix(300))")))
    }

    /// The hash and bytes of the block in an answer, if it is one this rescue wants and well-formed.
    /// - Throws: ``DriverProtocolError`` (`peerUnavailable`).
    static func checkedBlock(in result: SendMessageResult, expected: BlockHash, wanted: Set<BlockHash>) throws(DriverProtocolError) -> (BlockHash, [UInt8]) {
        guard let reply = result.replies.first(where: { $0.command == "block" }) else {
            throw DriverProtocolError(.peerUnavailable, "the peer does not have block \(expected)")
        }
        guard let bytes = try? [UInt8](hex: reply.payload), bytes.count <= Block.maxSerializedSize else {
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
