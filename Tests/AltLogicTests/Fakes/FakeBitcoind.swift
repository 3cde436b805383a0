import AltLogic
import BitcoinPrimitives
import Foundation

/// A ``ChainBackend`` over an in-memory header tree, for the rescue rules' unit tests: bitcoind's
/// view as Core keeps it (headers with or without blocks; the active chain is the most-work
/// branch whose blocks it all has), with switches for initial block download and for headers
/// ahead of blocks. Records what was submitted.
final class FakeBitcoind: ChainBackend, @unchecked Sendable {
    // @unchecked: every field is guarded by `lock`.
    private struct Node {
        let header: BlockHeader
        let height: Int
        let work: UInt256
        var hasBlock: Bool
    }

    private let lock = NSLock()
    private var nodes: [BlockHash: Node] = [:]
    private var active: [BlockHash] = []
    private var ibd = false
    private var blocksBehind = 0
    private var blocksGrowing = false
    private(set) var submittedHeaders = 0
    private(set) var submittedBlocks = 0
    /// Hashes of the blocks submitted, in the order they came, and the size of each batch.
    private(set) var submittedOrder: [BlockHash] = []
    private(set) var submitBatches: [Int] = []
    private(set) var stateReads = 0

    /// - Parameter chain: the active chain from genesis, headers with their blocks.
    init(chain: [BlockHeader]) {
        var work = UInt256.zero
        for (height, header) in chain.enumerated() {
            work = work &+ ProofOfWork.work(bits: header.bits)
            nodes[header.hash] = Node(header: header, height: height, work: work, hasBlock: true)
            active.append(header.hash)
        }
    }

    /// Reports initial block download (`getblockchaininfo.initialblockdownload`).
    func setInitialBlockDownload(_ on: Bool) { lock.withLock { ibd = on } }

    /// Reports `headers` this many above `blocks`; with `growing`, the reported block count
    /// grows by one per read (bitcoind still downloading), else it stands still.
    func setHeadersAhead(by count: Int, growing: Bool = false) {
        lock.withLock {
            blocksBehind = count
            blocksGrowing = growing
        }
    }

    var tipHeight: Int { lock.withLock { active.count - 1 } }
    var tipHash: BlockHash { lock.withLock { active[active.count - 1] } }

    func chainState() async throws -> ChainState {
        lock.withLock {
            stateReads += 1
            let tip = nodes[active[active.count - 1]]!
            let best = nodes.values.map(\.work).max() ?? tip.work
            let headers = nodes.values.map(\.height).max() ?? tip.height
            let blocks = blocksGrowing ? tip.height + stateReads : tip.height
            return ChainState(tipHash: tip.header.hash, tipHeight: tip.height, tipWork: tip.work,
                              headers: max(headers, blocks + blocksBehind), blocks: blocks,
                              initialBlockDownload: ibd, bestHeaderWork: best)
        }
    }

    func headerStatus(_ hashes: [BlockHash]) async throws -> [HeaderStatus?] {
        lock.withLock {
            hashes.map { hash in
                nodes[hash].map { node in
                    HeaderStatus(header: node.header, height: node.height,
                                 onActiveChain: node.height < active.count && active[node.height] == hash, chainWork: node.work)
                }
            }
        }
    }

    func activeHashes(atHeights heights: [Int]) async throws -> [BlockHash] {
        try lock.withLock {
            try heights.map { height in
                guard height >= 0, height < active.count else { throw ChainBackendError("height \(height) out of range") }
                return active[height]
            }
        }
    }

    func headers(_ hashes: [BlockHash]) async throws -> [BlockHeader] {
        try lock.withLock {
            try hashes.map { hash in
                guard let node = nodes[hash] else { throw ChainBackendError("unknown \(hash)") }
                return node.header
            }
        }
    }

    func chainTips() async throws -> [KnownChainTip] {
        lock.withLock {
            let parents = Set(nodes.values.map(\.header.previousBlockHash))
            return nodes.values.filter { !parents.contains($0.header.hash) }.map { leaf in
                if leaf.header.hash == active[active.count - 1] {
                    return KnownChainTip(hash: leaf.header.hash, height: leaf.height, branchLength: 0, status: .active)
                }
                var branch = 0
                var cursor = leaf
                var allBlocks = true
                while !(cursor.height < active.count && active[cursor.height] == cursor.header.hash) {
                    branch += 1
                    allBlocks = allBlocks && cursor.hasBlock
                    guard let parent = nodes[cursor.header.previousBlockHash] else { break }
                    cursor = parent
                }
                return KnownChainTip(hash: leaf.header.hash, height: leaf.height, branchLength: branch,
                                      status: allBlocks ? .validFork : .headersOnly)
            }
        }
    }

    func submitHeaders(_ headers: [BlockHeader]) async throws -> [String?] {
        lock.withLock {
            headers.map { header in
                guard let parent = nodes[header.previousBlockHash] else { return "prev-blk-not-found" }
                submittedHeaders += 1
                if nodes[header.hash] == nil {
                    nodes[header.hash] = Node(header: header, height: parent.height + 1,
                                              work: parent.work &+ ProofOfWork.work(bits: header.bits), hasBlock: false)
                }
                return nil
            }
        }
    }

    func submitBlocks(_ blocks: [[UInt8]]) async throws -> [Result<String?, ChainBackendError>] {
        lock.withLock {
            submitBatches.append(blocks.count)
            let verdicts: [Result<String?, ChainBackendError>] = blocks.map { bytes in
                guard let block = try? Block(bytes: bytes) else { return .failure(ChainBackendError("block decode failed")) }
                submittedOrder.append(block.hash)
                guard let parent = nodes[block.header.previousBlockHash] else { return .success("prev-blk-not-found") }
                submittedBlocks += 1
                if var node = nodes[block.hash] {
                    if node.hasBlock { return .success("duplicate") }
                    node.hasBlock = true
                    nodes[block.hash] = node
                } else {
                    nodes[block.hash] = Node(header: block.header, height: parent.height + 1,
                                             work: parent.work &+ ProofOfWork.work(bits: block.header.bits), hasBlock: true)
                }
                return .success(nil)
            }
            activateBestChain()
            return verdicts
        }
    }

    /// The most-work tip whose whole branch has blocks becomes active (caller holds the lock).
    private func activateBestChain() {
        var best = nodes[active[active.count - 1]]!
        for node in nodes.values where node.hasBlock && node.work > best.work {
            var path: [BlockHash] = []
            var cursor: Node? = node
            var complete = true
            while let c = cursor {
                guard c.hasBlock else { complete = false; break }
                path.append(c.header.hash)
                if c.height == 0 { break }
                cursor = nodes[c.header.previousBlockHash]
            }
            if complete, path.count == node.height + 1 {
                best = node
                active = path.reversed()
            }
        }
    }
}
