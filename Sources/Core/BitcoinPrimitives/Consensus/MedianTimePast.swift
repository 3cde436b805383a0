/// Median-time-past and the future-time limit (Core's `CBlockIndex::GetMedianTimePast` and
/// `MAX_FUTURE_BLOCK_TIME`).
public enum MedianTimePast {
    /// The median of the last (up to) 11 timestamps: sorted, the element at index count / 2.
    /// Fewer than 11 near genesis, as Core.
    /// - Parameter times: the timestamps of a block and its ancestors (any order), at most 11 used.
    /// - Returns: the median, or 0 for no timestamps.
    public static func median(of times: some Collection<UInt32>) -> UInt32 {
        let sorted = times.prefix(ChainParams.medianTimeSpan).sorted()
        guard !sorted.isEmpty else { return 0 }
        return sorted[sorted.count / 2]
    }

    /// Median of up to 11 timestamps in a caller's buffer, sorting it in place (no allocation).
    /// - Parameter buffer: the timestamps; reordered.
    /// - Returns: the median, or 0 when empty.
    @inlinable
    public static func medianInPlace(_ buffer: UnsafeMutableBufferPointer<UInt32>) -> UInt32 {
        let n = buffer.count
        guard n > 0 else { return 0 }
        // Insertion sort: n <= 11.
        var i = 1
        while i < n {
            let v = buffer[i]
            var j = i - 1
            while j >= 0, buffer[j] > v {
                buffer[j + 1] = buffer[j]
                j -= 1
            }
            buffer[j + 1] = v
            i += 1
        }
        return buffer[n / 2]
    }

    /// Whether `time` is after the median of `times` (Core's `time-too-old` rule, `time >
    /// GetMedianTimePast()` in ContextualCheckBlockHeader), without sorting: with n timestamps the
    /// median is the (n/2)-th smallest, so `time` is after it exactly when at least n/2 + 1 of
    /// them are smaller.
    /// - Parameters:
    ///   - time: the new header's timestamp.
    ///   - times: the timestamps of its parent and up to 10 earlier headers, any order (at least
    ///     one: a header always has a parent).
    /// - Returns: whether `time` is strictly after their median (false for no timestamps).
    @inlinable
    public static func isAfterMedian(_ time: UInt32, of times: UnsafeBufferPointer<UInt32>) -> Bool {
        var smaller = 0
        for t in times where t < time { smaller += 1 }
        return smaller >= times.count / 2 + 1
    }

    /// Whether a timestamp is within two hours of the clock.
    /// - Parameters:
    ///   - time: the header's timestamp.
    ///   - now: the current time (seconds since 1970), injected.
    @inlinable
    public static func isWithinFutureLimit(_ time: UInt32, now: Int64) -> Bool {
        Int64(time) <= now + ChainParams.maxFutureBlockTime
    }
}
