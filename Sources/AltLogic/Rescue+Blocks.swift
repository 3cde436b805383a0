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
        let fetcher = BlockFetcher(altstack: altstack, config: config)
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

/// Fetches one block through the Altstack: `getdata MSG_WITNESS_BLOCK` to the best
/// ``AltLogicConfig/blockFetchWidth`` drivers that exchange blocks at once (the first valid
/// answer wins, the others are cancelled), retried up to ``AltLogicConfig/blockAttempts`` times.
/// An answer counts only if it is the block asked for and its transactions match the header's
/// merkle root and the witness commitment.
struct BlockFetcher: Sendable {
    let altstack: Altstack
    let config: AltLogicConfig

    func fetch(_ header: ValidatedHeader) async -> Result<Rescue.FetchedBlock, RescueStop> {
        var writer = ByteWriter()
        Inventory.encodeList([Inventory(type: .witnessBlock, hash: header.hash.hash)], to: &writer)
        let message = DriverProtocol.P2PMessage(command: "getdata", payload: writer.bytes.hex)
        let timeoutMs = Int(config.blockTimeout.components.seconds * 1000)
        let params = SendMessageParams(peer: nil, message: message, expect: ["block", "notfound"], timeoutMs: timeoutMs)
        let expected = header.hash
        var last = "no answer"
        for _ in 0..<max(1, config.blockAttempts) {
            if Task.isCancelled { break }
            do throws(AltstackError) {
                let answer = try await altstack.anycast(
                    Methods.sendMessage, params, as: SendMessageResult.self, requirement: .exchange(.blocks),
                    n: max(1, config.blockFetchWidth), timeout: config.blockTimeout
                ) { result throws(DriverProtocolError) in
                    _ = try Self.checkedBlock(in: result, expected: expected)
                }
                // Checked in `accept`; decoded once more here for the bytes.
                if let bytes = try? Self.checkedBlock(in: answer.value, expected: expected) {
                    return .success(Rescue.FetchedBlock(bytes: bytes, driver: answer.driver))
                }
            } catch {
                last = error.description
            }
        }
        return .failure(RescueStop(outcome: RescueReport.Outcome.failed("block \(header.hash) at \(header.height) not fetched: \(last.prefix(300))")))
    }

    /// The serialized block in an answer, if it is the block expected and well-formed.
    /// - Throws: ``DriverProtocolError`` (`peerUnavailable`, so another driver is tried).
    static func checkedBlock(in result: SendMessageResult, expected: BlockHash) throws(DriverProtocolError) -> [UInt8] {
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
        guard block.hash == expected else {
            throw DriverProtocolError(.peerUnavailable, "asked for block \(expected), got \(block.hash)")
        }
        do { try block.checkStructure() } catch {
            throw DriverProtocolError(.peerUnavailable, "block \(expected) fails its commitments: \(error)")
        }
        return bytes
    }
}
