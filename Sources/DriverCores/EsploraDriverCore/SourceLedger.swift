import BitcoinPrimitives

/// What each source said is the best-chain block at a height, to compare the sources: a source
/// whose hash at a height differs from another's is reported (``Disagreement``). It decides
/// nothing: the answers still go to the core, whose HeaderChain picks the valid chain with the
/// most work; a disagreement only tells the operator that some source is behind, on a fork, or
/// lying. Bounded: the lowest heights are forgotten beyond ``capacity`` heights.
public struct SourceLedger: Sendable {
    /// A source's hash at a height that another source's hash contradicts.
    public struct Disagreement: Sendable, Hashable, CustomStringConvertible {
        public var height: Int
        /// The source that just answered.
        public var source: String
        public var hash: BlockHash
        /// Every other source's hash at that height, by source.
        public var others: [String: BlockHash]

        public var description: String {
            let rest = others.keys.sorted().map { "\($0) says \(others[$0]!)" }.joined(separator: ", ")
            return "at height \(height) \(source) says \(hash), \(rest)"
        }
    }

    /// Heights remembered at most.
    public let capacity: Int
    private var byHeight: [Int: [String: BlockHash]] = [:]
    private var heights: [Int] = []
    private var sorted = true

    public init(capacity: Int = 20_000) { self.capacity = max(capacity, 1) }

    /// Records that `source` says `hash` is at `height`.
    /// - Returns: the disagreement, when another source said something else there; nil otherwise
    ///   (also when the source repeats itself or changed its own mind after a reorg).
    public mutating func record(source: String, height: Int, hash: BlockHash) -> Disagreement? {
        var entry = byHeight[height] ?? [:]
        if entry.isEmpty {
            heights.append(height)
            if let previous = heights.dropLast().last, previous > height { sorted = false }
        }
        entry[source] = hash
        byHeight[height] = entry
        trim()
        let others = entry.filter { $0.key != source }
        guard others.values.contains(where: { $0 != hash }) else { return nil }
        return Disagreement(height: height, source: source, hash: hash, others: others)
    }

    /// The hashes recorded at `height`, by source.
    public func hashes(atHeight height: Int) -> [String: BlockHash] { byHeight[height] ?? [:] }

    /// Heights remembered now.
    public var count: Int { byHeight.count }

    private mutating func trim() {
        guard byHeight.count > capacity else { return }
        if !sorted {
            heights.sort()
            sorted = true
        }
        let excess = byHeight.count - capacity
        for height in heights.prefix(excess) { byHeight[height] = nil }
        heights.removeFirst(excess)
    }
}
