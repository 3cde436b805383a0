import BitcoinPrimitives

/// The trusted starting point of a ``HeaderChain``: genesis, or a checkpoint with its height and
/// cumulative chain work, plus optionally the trusted headers just before it.
///
/// Ancestors give the rules their context for the first headers after the anchor: median-time-past
/// reads the 10 timestamps before the anchor, testnet3's min-difficulty walk-back reads earlier
/// nBits, and a retarget reads its period's first header. Without them, median-time-past uses the
/// timestamps it has (as Core does near genesis) and a rule needing an unknown header rejects with
/// ``HeaderRejection/Rule/missingContext(_:)``. An anchor at a retarget boundary (height a multiple
/// of 2016) needs no ancestors for retargeting. Headers cannot attach below the anchor.
public struct ChainAnchor: Sendable {
    /// Why an anchor is inconsistent.
    public enum Error: Swift.Error, Equatable, Sendable {
        /// Ancestor `index` is not the parent of the header after it.
        case ancestorsDoNotLink(index: Int)
        /// More ancestors than the anchor's height allows.
        case tooManyAncestors(count: Int, height: Int)
        /// A negative height.
        case negativeHeight(Int)
    }

    public let header: BlockHeader
    public let height: Int
    /// Cumulative work up to and including the anchor (as `getblockheader`'s `chainwork`).
    public let chainWork: UInt256
    /// Trusted headers before the anchor, oldest first, the last one being the anchor's parent.
    public let ancestors: [BlockHeader]

    /// - Parameters:
    ///   - header: the anchor header (trusted, not validated).
    ///   - height: its height.
    ///   - chainWork: cumulative work at it.
    ///   - ancestors: trusted headers immediately before it, oldest first.
    /// - Throws: ``Error`` if the ancestors do not link to each other and to the anchor.
    public init(header: BlockHeader, height: Int, chainWork: UInt256, ancestors: [BlockHeader] = []) throws(Error) {
        guard height >= 0 else { throw .negativeHeight(height) }
        guard ancestors.count <= height else { throw .tooManyAncestors(count: ancestors.count, height: height) }
        for i in ancestors.indices {
            let child = i + 1 < ancestors.count ? ancestors[i + 1] : header
            guard child.previousBlockHash == ancestors[i].hash else { throw .ancestorsDoNotLink(index: i) }
        }
        self.header = header
        self.height = height
        self.chainWork = chainWork
        self.ancestors = ancestors
    }

    /// The network's genesis block, with its own work as chain work.
    public static func genesis(_ params: ChainParams) -> ChainAnchor {
        ChainAnchor(uncheckedHeader: params.genesis, chainWork: ProofOfWork.work(bits: params.genesis.bits))
    }

    private init(uncheckedHeader: BlockHeader, chainWork: UInt256) {
        header = uncheckedHeader
        height = 0
        self.chainWork = chainWork
        ancestors = []
    }
}
