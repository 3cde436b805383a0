extension DifficultyRules {
    /// Whether a header at `height` with nBits `newBits` may follow one with `oldBits`, as Bitcoin
    /// Core's `PermittedDifficultyTransition` (src/pow.cpp): the check its headers presync
    /// (src/headerssync.cpp) applies when it keeps only the previous header, not the period's
    /// first one that the exact rule (``nextBits(params:last:newTime:ancestor:)``) needs.
    ///
    /// - Networks that allow min-difficulty blocks (testnet3, testnet4, regtest): any nBits, since
    ///   a 20-minute gap may drop to powLimit anywhere.
    /// - Retarget heights (multiples of the interval): the new target between the old one scaled
    ///   by 1/4 and by 4 (the retarget's clamp), each bound at most powLimit and rounded through
    ///   the compact form as the retarget's result would be.
    /// - Other heights: nBits unchanged.
    ///
    /// The bound is why a cheap chain cannot fall to minimum difficulty at once: its target can
    /// grow at most 4x per period.
    ///
    /// - Parameters:
    ///   - params: the network.
    ///   - height: the new header's height.
    ///   - oldBits: the previous header's nBits.
    ///   - newBits: the new header's nBits.
    /// - Returns: whether the retarget rule can produce `newBits` from `oldBits` at this height.
    public static func isPermittedTransition(
        params: ChainParams, height: Int, oldBits: UInt32, newBits: UInt32
    ) -> Bool {
        if params.allowMinDifficultyBlocks { return true }
        guard height % params.difficultyAdjustmentInterval == 0 else { return oldBits == newBits }
        let old = CompactTarget.decode(oldBits).value
        let observed = CompactTarget.decode(newBits).value
        let span = params.powTargetTimespan
        let easiest = rounded(scaledTarget(old, timespan: span * 4, params: params))
        let hardest = rounded(scaledTarget(old, timespan: span / 4, params: params))
        return !(easiest < observed) && !(observed < hardest)
    }

    /// A target as it reads back from its compact form (the mantissa cut to 23 bits).
    private static func rounded(_ target: UInt256) -> UInt256 {
        CompactTarget.decode(CompactTarget.encode(target)).value
    }
}
