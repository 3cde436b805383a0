import BitcoinPrimitives

/// An in-memory tree of block headers grown from a trusted ``ChainAnchor``: the one place that
/// turns untrusted headers into ``ValidatedHeader`` values.
///
/// It accepts batches (``accept(_:from:now:)``), applies proof of work, linkage, the network's
/// difficulty rules, median-time-past, the two-hour future limit, BIP94's timewarp limit and the
/// BIP34/66/65 version floors, keeps every valid branch, follows the branch with the most work and
/// reports reorganisations. Memory is bounded by a cap on stored headers per source and on the
/// number of branches.
///
/// Batches are atomic: if any header is refused, the whole batch is refused and the chain is
/// exactly as before (no valid prefix is kept, no invalid header is remembered). A sender that
/// wants its valid prefix kept can resend it.
///
/// Storage is an array of nodes with parent indices (no per-header objects) plus a hash index and
/// the best chain by height. A long chain from a deep fork point can first be shown to carry
/// enough work with ``HeadersPresync``, which stores nothing, before it is fetched into a chain.
public struct HeaderChain: Sendable {
    /// Memory bounds.
    public struct Limits: Sendable {
        /// Headers one source may have stored in total.
        public var maxHeadersPerSource: Int
        /// Branches (chain tips) kept at once, the best one included.
        public var maxTips: Int

        public init(maxHeadersPerSource: Int = 1_000_000, maxTips: Int = 64) {
            self.maxHeadersPerSource = maxHeadersPerSource
            self.maxTips = maxTips
        }
    }

    struct Node: Sendable {
        var header: BlockHeader
        var hash: BlockHash
        var height: Int32
        /// Index of the parent node, -1 for the oldest known.
        var parent: Int32
        var chainWork: UInt256
        var children: UInt32
        /// Where testnet's min-difficulty walk-back from this node ends (0: not known, e.g. a
        /// min-difficulty trusted ancestor whose own ancestors are not known).
        var walkBackBits: UInt32
    }

    /// The walk-back result for a new node: its own nBits if it is a period start, genesis or
    /// not a min-difficulty block, else its parent's.
    func walkBackBits(height: Int, bits: UInt32, parent: Int32) -> UInt32 {
        if height == 0 || height % interval == 0 || bits != powLimitBits {
            return bits
        }
        return parent >= 0 ? nodes[Int(parent)].walkBackBits : 0
    }

    public let params: ChainParams
    public let limits: Limits
    /// `params.difficultyAdjustmentInterval` and `params.powLimitBits`, computed once.
    let interval: Int
    let powLimitBits: UInt32
    /// Trusted ancestors first, then the anchor, then accepted headers in arrival order.
    var nodes: [Node]
    /// Hash to node index, for the anchor and everything above it.
    var index: NodeIndex
    /// The best chain: node index by height - `lowestHeight`.
    var active: [Int32]
    let lowestHeight: Int
    let anchorIndex: Int32
    var tipIndex: Int32
    var tipCount: Int
    var storedPerSource: [HeaderSource: Int]

    /// - Parameters:
    ///   - params: the network's rules.
    ///   - anchor: the trusted start (``ChainAnchor/genesis(_:)`` or a checkpoint).
    ///   - limits: memory bounds.
    public init(params: ChainParams, anchor: ChainAnchor, limits: Limits = Limits()) {
        self.params = params
        self.limits = limits
        interval = params.difficultyAdjustmentInterval
        powLimitBits = params.powLimitBits
        var nodes: [Node] = []
        nodes.reserveCapacity(anchor.ancestors.count + 1024)
        let lowest = anchor.height - anchor.ancestors.count
        // Ancestors' chain work is the anchor's minus the work of the headers after them.
        var works = [UInt256](repeating: .zero, count: anchor.ancestors.count + 1)
        works[anchor.ancestors.count] = anchor.chainWork
        var i = anchor.ancestors.count - 1
        while i >= 0 {
            let after = i + 1 < anchor.ancestors.count ? anchor.ancestors[i + 1] : anchor.header
            works[i] = works[i + 1] &- ProofOfWork.work(bits: after.bits)
            i -= 1
        }
        let interval = params.difficultyAdjustmentInterval
        let limitBits = params.powLimitBits
        for (offset, header) in (anchor.ancestors + [anchor.header]).enumerated() {
            let height = lowest + offset
            let ownBits = height % interval == 0 || header.bits != limitBits
            let walkBack = ownBits ? header.bits : (offset > 0 ? nodes[offset - 1].walkBackBits : 0)
            nodes.append(Node(
                header: header, hash: header.hash, height: Int32(height), parent: Int32(offset - 1),
                chainWork: works[offset], children: offset < anchor.ancestors.count ? 1 : 0,
                walkBackBits: walkBack))
        }
        self.nodes = nodes
        anchorIndex = Int32(anchor.ancestors.count)
        var index = NodeIndex(capacity: 1024)
        index.insert(nodes[Int(anchorIndex)].hash, node: anchorIndex, in: nodes)
        self.index = index
        active = (0..<nodes.count).map { Int32($0) }
        lowestHeight = lowest
        tipIndex = anchorIndex
        tipCount = 1
        storedPerSource = [:]
    }

    // MARK: Queries

    func validated(_ i: Int32) -> ValidatedHeader {
        let n = nodes[Int(i)]
        return ValidatedHeader(header: n.header, hash: n.hash, height: Int(n.height), chainWork: n.chainWork)
    }

    /// The tip of the best chain (most work; the first seen among equals).
    public var tip: ValidatedHeader { validated(tipIndex) }

    /// The trusted anchor.
    public var anchor: ValidatedHeader { validated(anchorIndex) }

    /// Headers stored, the anchor included, ancestors not.
    public var count: Int { nodes.count - Int(anchorIndex) }

    /// The stored header with this hash, on any branch.
    public func header(_ hash: BlockHash) -> ValidatedHeader? {
        index.find(hash, in: nodes).map(validated)
    }

    /// The best chain's header at a height (anchor or above).
    public func header(atHeight height: Int) -> ValidatedHeader? {
        guard height >= lowestHeight + Int(anchorIndex), height - lowestHeight < active.count else { return nil }
        return validated(active[height - lowestHeight])
    }

    /// Whether the header is on the best chain.
    public func isOnBestChain(_ hash: BlockHash) -> Bool {
        guard let i = index.find(hash, in: nodes) else { return false }
        return isActive(i)
    }

    /// Tips of every stored branch, best first.
    public var tips: [ValidatedHeader] {
        var result = [validated(tipIndex)]
        for i in Int(anchorIndex)..<nodes.count where nodes[i].children == 0 && Int32(i) != tipIndex {
            result.append(validated(Int32(i)))
        }
        return result
    }

    /// A block locator for the best chain, as Bitcoin Core builds one, ending at the anchor.
    public func locator() -> [BlockHash] {
        BlockLocator.hashes(tipHeight: Int(nodes[Int(tipIndex)].height), lowest: lowestHeight + Int(anchorIndex)) {
            header(atHeight: $0)?.hash
        }
    }

    // MARK: Tree walking

    @inline(__always)
    func isActive(_ i: Int32) -> Bool {
        let slot = Int(nodes[Int(i)].height) - lowestHeight
        return slot < active.count && active[slot] == i
    }

    /// The node at `height` on the branch ending at node `from`, or nil below what is known.
    func ancestor(of from: Int32, atHeight height: Int) -> Int32? {
        guard height >= lowestHeight else { return nil }
        var i = from
        while i >= 0, Int(nodes[Int(i)].height) > height {
            if isActive(i) { return active[height - lowestHeight] }
            i = nodes[Int(i)].parent
        }
        return i >= 0 ? i : nil
    }
}

extension HeaderChain {
    /// Reserves room for `count` stored headers (a sync that knows how many are coming).
    public mutating func reserveCapacity(_ count: Int) {
        let n = max(0, min(count, limits.maxHeadersPerSource))
        nodes.reserveCapacity(Int(anchorIndex) + n)
        index.reserve(n + 1, in: nodes)
        active.reserveCapacity(Int(anchorIndex) + n)
    }
}
