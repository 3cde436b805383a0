import Altstack
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
                while failure == nil, let block = ready.removeValue(forKey: next) {
                    report.used(block.driver)
                    report.blocksFetched += 1
                    AltLogicMetrics.blockFetched(driver: block.driver)
                    do {
                        try await submit(block, header: path[next])
                        next += 1
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

    /// `submitblock`; "duplicate" and "inconclusive" (a side branch until its last block) are fine.
    private mutating func submit(_ block: FetchedBlock, header: ValidatedHeader) async throws {
        let verdict = try await view.rpc.submitBlock(block.bytes)
        switch verdict {
        case nil, "duplicate", "inconclusive":
            report.blocksSubmitted += 1
        case let reason?:
            throw RescueStop(outcome: RescueReport.Outcome.failed("bitcoind refused block \(header.hash) at \(header.height): \(reason)"))
        }
    }
}

/// Blocks that arrived for any request of this rescue. Drivers match a reply to the first
/// waiting request with the same command, so with several `getdata` in flight to one peer a
/// block may come back on another request's answer; it is kept here for its own request.
actor BlockStash {
    private var blocks: [BlockHash: Rescue.FetchedBlock] = [:]
    private var order: [BlockHash] = []
    let capacity: Int

    init(capacity: Int) { self.capacity = max(1, capacity) }

    func put(_ hash: BlockHash, _ block: Rescue.FetchedBlock) {
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
}

/// Fetches one block through the Altstack: `getdata MSG_WITNESS_BLOCK` to the best
/// ``AltLogicConfig/blockFetchWidth`` drivers that exchange blocks at once (the first valid
/// answer wins, the others are cancelled), retried up to ``AltLogicConfig/blockAttempts`` times.
/// An answer counts only if it is a block this rescue asked for and its transactions match the
/// header's merkle root and the witness commitment; one for another request goes to the stash.
struct BlockFetcher: Sendable {
    let altstack: Altstack
    let config: AltLogicConfig
    let wanted: Set<BlockHash>
    let stash: BlockStash

    /// How long a request waits for its block to turn up on another request's answer.
    static let crossDeliveryWait: Duration = .seconds(3)

    func fetch(_ header: ValidatedHeader) async -> Result<Rescue.FetchedBlock, RescueStop> {
        var writer = ByteWriter()
        Inventory.encodeList([Inventory(type: .witnessBlock, hash: header.hash.hash)], to: &writer)
        let message = DriverProtocol.P2PMessage(command: "getdata", payload: writer.bytes.hex)
        let timeoutMs = Int(config.blockTimeout.components.seconds * 1000)
        let params = SendMessageParams(peer: nil, message: message, expect: ["block", "notfound"], timeoutMs: timeoutMs)
        let expected = header.hash
        let wanted = wanted
        var last = "no answer"
        for _ in 0..<max(1, config.blockAttempts) {
            if Task.isCancelled { break }
            if let block = await stash.take(expected) { return .success(block) }
            do throws(AltstackError) {
                let answer = try await altstack.anycast(
                    Methods.sendMessage, params, as: SendMessageResult.self, requirement: .exchange(.blocks),
                    n: max(1, config.blockFetchWidth), timeout: config.blockTimeout
                ) { result throws(DriverProtocolError) in
                    _ = try Self.checkedBlock(in: result, expected: expected, wanted: wanted)
                }
                // Checked in `accept`; decoded once more here for the bytes.
                if let (hash, bytes) = try? Self.checkedBlock(in: answer.value, expected: expected, wanted: wanted) {
                    let block = Rescue.FetchedBlock(bytes: bytes, driver: answer.driver)
                    if hash == expected { return .success(block) }
                    await stash.put(hash, block)
                }
            } catch {
                last = error.description
            }
            let until = ContinuousClock.now + Self.crossDeliveryWait
            while ContinuousClock.now < until, !Task.isCancelled {
                if let block = await stash.take(expected) { return .success(block) }
                try? await Task.sleep(for: .milliseconds(5))
            }
        }
        return .failure(RescueStop(outcome: RescueReport.Outcome.failed("block \(header.hash) at \(header.height) not fetched: \(last.prefix(300))")))
    }

    /// The hash and bytes of the block in an answer, if it is one this rescue wants and well-formed.
    /// - Throws: ``DriverProtocolError`` (`peerUnavailable`, so another driver is tried).
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
