import BitcoinPrimitives
import HeaderChain

/// bitcoind's chain as AltLogic reads it through its ``ChainBackend``: block locators, and
/// trusted anchors for ``HeaderChain`` and ``HeadersPresync``.
struct BitcoindChainView: Sendable {
    let backend: any ChainBackend
    let params: ChainParams

    /// A block locator over bitcoind's active chain (Core's spacing: ten dense, then doubling).
    /// - Returns: locator hashes, tip first, genesis last.
    func locator(tipHeight: Int) async throws -> [BlockHash] {
        try await backend.activeHashes(atHeights: BlockLocator.heights(tipHeight: tipHeight))
    }

    /// A trusted anchor at a header on bitcoind's active chain, with the ancestors the difficulty
    /// rules may read for the headers after it: the previous 11 for median-time-past, and back to
    /// the retarget period's first header where retargeting (or testnet's walk-back) applies.
    /// - Parameter status: the anchor's header as bitcoind knows it (on its active chain).
    /// - Throws: backend failures, inconsistent answers.
    func anchor(at status: HeaderStatus) async throws -> ChainAnchor {
        let height = status.height
        let interval = params.difficultyAdjustmentInterval
        var depth = ChainParams.medianTimeSpan
        if !params.noRetargeting || params.allowMinDifficultyBlocks {
            depth = max(depth, (height % interval) + 1)
        }
        depth = min(depth, height)
        let ancestorHashes = depth > 0 ? try await backend.activeHashes(atHeights: Array((height - depth)..<height)) : []
        let ancestors = try await backend.headers(ancestorHashes)
        do {
            return try ChainAnchor(header: status.header, height: height, chainWork: status.chainWork, ancestors: ancestors)
        } catch {
            throw ChainBackendError("bitcoind's chain changed while reading the anchor at \(height): \(error)")
        }
    }
}
