/// The timestamps of a chain's last (up to) 11 headers in fixed inline storage: what the
/// median-time-past rule needs to check the next header, without keeping the chain.
///
/// A ring: each ``append(_:)`` replaces the oldest timestamp once 11 are held. Order does not
/// matter to a median, so the slots are never sorted or shifted. Its size is fixed
/// (`MemoryLayout<MedianTimeWindow>.size`), it never allocates.
public struct MedianTimeWindow: Sendable {
    /// ``ChainParams/medianTimeSpan`` slots.
    private var slots: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) =
        (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    /// Timestamps held, at most ``capacity``.
    public private(set) var count = 0
    /// The slot the next timestamp goes to.
    private var next = 0

    /// Slots in the window: Core's `CBlockIndex::nMedianTimeSpan` (11).
    public static let capacity = ChainParams.medianTimeSpan

    /// An empty window.
    public init() {}

    /// A window holding the last (up to) 11 of `times`.
    /// - Parameter times: timestamps, oldest first.
    public init(_ times: some Sequence<UInt32>) {
        for time in times { append(time) }
    }

    /// Adds the timestamp of the chain's new last header, dropping the oldest beyond 11.
    public mutating func append(_ time: UInt32) {
        let slot = next
        withUnsafeMutableBytes(of: &slots) { $0.storeBytes(of: time, toByteOffset: slot * 4, as: UInt32.self) }
        next = (next + 1) % Self.capacity
        count = min(count + 1, Self.capacity)
    }

    /// Whether a header with this timestamp may follow the last one: strictly after the median
    /// (``MedianTimePast/isAfterMedian(_:of:)``).
    public func admits(_ time: UInt32) -> Bool {
        withTimes { MedianTimePast.isAfterMedian(time, of: $0) }
    }

    /// The median of the timestamps held (0 when empty), as Core's `GetMedianTimePast`.
    public var medianTimePast: UInt32 {
        withTimes { times in
            withUnsafeTemporaryAllocation(of: UInt32.self, capacity: Self.capacity) { buffer in
                for i in times.indices { buffer[i] = times[i] }
                return MedianTimePast.medianInPlace(UnsafeMutableBufferPointer(rebasing: buffer[0..<times.count]))
            }
        }
    }

    /// The timestamps held, in slot order (not time order).
    public var times: [UInt32] { withTimes { Array($0) } }

    private func withTimes<R>(_ body: (UnsafeBufferPointer<UInt32>) -> R) -> R {
        let n = count
        return withUnsafeBytes(of: slots) { raw in
            body(UnsafeBufferPointer(rebasing: raw.assumingMemoryBound(to: UInt32.self)[0..<n]))
        }
    }
}
