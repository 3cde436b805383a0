import BitcoinPrimitives

/// A header that ``HeaderChain`` has checked: linked to its anchor, proof of work, difficulty,
/// time and version rules. Only `HeaderChain` creates these (the initialiser is internal), so
/// holding one is proof that the checks ran (or that it is the trusted anchor).
public struct ValidatedHeader: Hashable, Sendable, CustomStringConvertible {
    public let header: BlockHeader
    public let hash: BlockHash
    public let height: Int
    /// Cumulative work from genesis up to and including this header.
    public let chainWork: UInt256

    init(header: BlockHeader, hash: BlockHash, height: Int, chainWork: UInt256) {
        self.header = header
        self.hash = hash
        self.height = height
        self.chainWork = chainWork
    }

    public var description: String { "\(hash) at height \(height)" }
}

/// Who sent a batch of headers (a driver and peer, for example). Caps apply per source.
public struct HeaderSource: Hashable, Sendable, CustomStringConvertible {
    public let id: String
    public init(_ id: String) { self.id = id }
    public var description: String { id }
}

/// How the best chain moved after a batch.
public enum TipChange: Equatable, Sendable {
    /// The new tip descends from the old one.
    case extended(oldTip: ValidatedHeader, newTip: ValidatedHeader)
    /// The new tip is on another branch: headers above `forkPoint` on the old branch left the
    /// best chain.
    case reorganized(forkPoint: ValidatedHeader, oldTip: ValidatedHeader, newTip: ValidatedHeader)
}

/// What a successful ``HeaderChain/accept(_:from:now:)`` did.
public struct AcceptResult: Sendable {
    /// Headers newly stored, in batch order.
    public let accepted: [ValidatedHeader]
    /// Headers of the batch that were already known (skipped, not an error).
    public let alreadyKnown: Int
    /// The best-chain change, if any.
    public let tipChange: TipChange?
}
