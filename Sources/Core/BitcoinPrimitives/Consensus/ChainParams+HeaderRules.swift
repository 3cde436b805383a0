/// Two contextual header rules that need only the height and the parent, from Bitcoin Core's
/// `ContextualCheckBlockHeader` (src/validation.cpp).
extension ChainParams {
    /// The least header version allowed at a height (`bad-version`): 4 from BIP65's height, 3 from
    /// BIP66's, 2 from BIP34's, any below.
    /// - Parameter height: the header's height.
    /// - Returns: the minimum `nVersion`.
    @inlinable
    public func minimumVersion(atHeight height: Int) -> Int32 {
        height >= bip65Height ? 4 : height >= bip66Height ? 3 : height >= bip34Height ? 2 : 0
    }

    /// BIP94's timewarp limit (`time-timewarp-attack`): where enforced (testnet4), the first header
    /// of a retarget period may be at most ``maxTimewarp`` (600) seconds before its parent.
    /// - Parameters:
    ///   - height: the header's height.
    ///   - time: its timestamp.
    ///   - parentTime: its parent's timestamp.
    /// - Returns: whether the header breaks the limit.
    @inlinable
    public func breaksTimewarpLimit(height: Int, time: UInt32, parentTime: UInt32) -> Bool {
        enforceBIP94 && height % difficultyAdjustmentInterval == 0
            && Int64(time) < Int64(parentTime) - ChainParams.maxTimewarp
    }
}
