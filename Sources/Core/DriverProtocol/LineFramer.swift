import Foundation

/// Splits a byte stream into newline-terminated lines under a hard size limit. Pure: bytes in,
/// events out.
///
/// A line longer than the limit is never buffered whole: once the buffered part passes the
/// limit, the framer drops it and discards everything up to the next newline, then reports one
/// ``Event/oversized(byteCount:)``. Empty lines (and a trailing `\r`) are ignored.
///
/// ```
///   collecting ──(buffer > limit)──► discarding ──(newline)──► collecting
///       │ newline: emit .line                         emits .oversized
/// ```
public struct LineFramer: Sendable {
    /// One framing result.
    public enum Event: Sendable, Hashable {
        /// A complete line, without its newline.
        case line([UInt8])
        /// A line over the limit was discarded; `byteCount` is its full length.
        case oversized(byteCount: Int)
    }

    public let maxLineBytes: Int
    private var buffer: [UInt8] = []
    private var discarding = false
    private var discardedCount = 0

    /// - Parameter maxLineBytes: the longest line accepted, newline excluded.
    public init(maxLineBytes: Int = DriverProtocolLimits.maxLineBytes) {
        self.maxLineBytes = maxLineBytes
    }

    /// Bytes buffered towards the next line (at most `maxLineBytes`).
    public var bufferedCount: Int { buffer.count }

    /// Feeds bytes.
    /// - Parameter bytes: the next bytes of the stream, any chunking.
    /// - Returns: the events completed by these bytes, in order.
    public mutating func append(_ bytes: [UInt8]) -> [Event] {
        bytes.withUnsafeBytes { append($0) }
    }

    /// Feeds bytes (the concrete entry point: scanning is a plain loop over raw memory, with no
    /// generic dispatch per byte across module boundaries).
    /// - Parameter bytes: the next bytes of the stream, any chunking.
    /// - Returns: the events completed by these bytes, in order.
    public mutating func append(_ bytes: UnsafeRawBufferPointer) -> [Event] {
        var events: [Event] = []
        var start = 0
        let count = bytes.count
        while start < count {
            let newline = Self.newline(in: bytes, from: start)
            take(UnsafeRawBufferPointer(rebasing: bytes[start..<newline]))
            if newline == count { break }
            finishLine(into: &events)
            start = newline + 1
        }
        return events
    }

    /// The index of the first newline at or after `start`, or `bytes.count` when there is none:
    /// `memchr` (vectorised), since a block's line is megabytes and a byte loop was a visible
    /// share of a 2,000-header round trip.
    static func newline(in bytes: UnsafeRawBufferPointer, from start: Int) -> Int {
        guard start < bytes.count, let base = bytes.baseAddress else { return bytes.count }
        guard let found = memchr(base + start, 0x0A, bytes.count - start) else { return bytes.count }
        return base.distance(to: UnsafeRawPointer(found))
    }

    /// Ends the stream: an unterminated last line is returned as a line (or reported oversized).
    /// - Returns: the final event, if any.
    public mutating func finish() -> Event? {
        var events: [Event] = []
        if discarding || !buffer.isEmpty { finishLine(into: &events) }
        return events.first
    }

    private mutating func take(_ part: UnsafeRawBufferPointer) {
        if discarding {
            discardedCount += part.count
            return
        }
        if buffer.count + part.count > maxLineBytes {
            discarding = true
            discardedCount = buffer.count + part.count
            buffer = []
            return
        }
        buffer.append(contentsOf: part)
    }

    private mutating func finishLine(into events: inout [Event]) {
        if discarding {
            events.append(.oversized(byteCount: discardedCount))
            discarding = false
            discardedCount = 0
            return
        }
        if buffer.last == 0x0D { buffer.removeLast() }
        if buffer.contains(where: { $0 != 0x20 && $0 != 0x09 }) {
            events.append(.line(buffer))
        }
        buffer.removeAll(keepingCapacity: buffer.count <= 1 << 20)
    }
}
