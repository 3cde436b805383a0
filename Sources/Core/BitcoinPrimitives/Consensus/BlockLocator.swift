/// Block locators as Bitcoin Core builds them (`LocatorEntries` in src/chain.cpp): the tip, then
/// 9 more one apart, then steps doubling, always ending with the lowest block (genesis).
public enum BlockLocator {
    /// The heights a locator from `tipHeight` names, newest first.
    ///
    /// After each entry past the tenth the step doubles; the walk is clamped at `lowest`, which
    /// is always the last entry (genesis, or the anchor of a chain that does not know genesis).
    /// - Parameters:
    ///   - tipHeight: the height of the tip.
    ///   - lowest: the lowest height to name (0 for a chain that knows genesis).
    /// - Returns: heights, strictly decreasing; empty if `tipHeight < lowest`.
    public static func heights(tipHeight: Int, lowest: Int = 0) -> [Int] {
        guard tipHeight >= lowest else { return [] }
        var result: [Int] = []
        result.reserveCapacity(32)
        var height = tipHeight
        var step = 1
        while true {
            result.append(height)
            if height == lowest { break }
            height = max(height - step, lowest)
            if result.count > 10 { step *= 2 }
        }
        return result
    }

    /// A locator's hashes from a hash-by-height accessor on one chain.
    /// - Parameters:
    ///   - tipHeight: the height of the tip.
    ///   - lowest: the lowest height the accessor knows.
    ///   - hashAt: the hash of the chain's block at a height.
    /// - Returns: the hashes, newest first.
    public static func hashes(tipHeight: Int, lowest: Int = 0, hashAt: (Int) -> BlockHash?) -> [BlockHash] {
        heights(tipHeight: tipHeight, lowest: lowest).compactMap(hashAt)
    }
}
