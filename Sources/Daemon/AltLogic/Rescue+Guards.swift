import BitcoinPrimitives

extension Rescue {
    /// Consensus-side guards before anything is asked or submitted: no rescue while bitcoind is
    /// in initial block download, or while it is still downloading blocks for headers it has
    /// (its `headers` ahead of `blocks` and its block count moving). Headers ahead of blocks
    /// with no progress are the withheld-blocks case a rescue is for.
    /// - Returns: bitcoind's chain state.
    /// - Throws: ``RescueStop`` with `bitcoind-syncing`, backend failures.
    func guardedState() async throws -> ChainState {
        let state = try await backend.chainState()
        if state.initialBlockDownload {
            throw RescueStop(outcome: .bitcoindSyncing("bitcoind is in initial block download (height \(state.blocks), headers \(state.headers))"))
        }
        guard state.headers > state.blocks else { return state }
        // Still downloading? Watch the block count for a moment.
        try await clock.sleep(for: config.syncProbe)
        let later = try await backend.chainState()
        if later.blocks > state.blocks {
            throw RescueStop(outcome: .bitcoindSyncing(
                "bitcoind is downloading blocks for headers it has (blocks \(state.blocks) -> \(later.blocks) of \(later.headers))"))
        }
        return later
    }
}
