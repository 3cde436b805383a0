/// Splits a driver pipe's byte stream into JSON lines and binary frames under one size limit.
/// Pure and sans-I/O: bytes in (any chunking), events out.
///
/// At each message boundary the first byte decides: ``BinaryFrame/marker`` starts a binary frame,
/// anything else a line (framed by ``LineFramer``, so lines keep its rules: oversized lines are
/// discarded up to their newline, empty lines ignored). A frame's declared length is checked
/// against the limit as soon as its 4 bytes are in, before anything is allocated for it: an
/// oversized frame is reported at once and its bytes are skipped as they arrive.
///
/// ```
///            first byte 0x00                 4 bytes           N bytes
///  boundary ────────────────► length ─────────────────► body ───────────► boundary (.frame)
///     │ other                    │ N > limit: .oversized
///     ▼                          ▼
///    line ──(newline)──► boundary   skipping ──(N bytes)──► boundary
/// ```
public struct DriverFrameDecoder: Sendable {
    /// One decoding result.
    public enum Event: Sendable, Hashable {
        /// A complete line, without its newline.
        case line([UInt8])
        /// A complete binary frame's body (what follows marker and length; see ``BinaryFrame``).
        case frame([UInt8])
        /// A line or frame over the limit; `byteCount` is its length (a frame's as declared).
        case oversized(byteCount: Int)
    }

    private enum State: Sendable {
        case boundary
        case line
        case length(have: Int, value: Int)
        case body(remaining: Int)
        case skipping(remaining: Int)
    }

    /// The longest line or frame body accepted.
    public let maxBytes: Int
    private var lines: LineFramer
    private var state = State.boundary
    private var body: [UInt8] = []

    /// - Parameter maxBytes: the longest line (newline excluded) or frame body accepted.
    public init(maxBytes: Int = DriverProtocolLimits.maxLineBytes) {
        self.maxBytes = maxBytes
        self.lines = LineFramer(maxLineBytes: maxBytes)
    }

    /// Bytes held towards the next event (at most `maxBytes`).
    public var bufferedCount: Int { lines.bufferedCount + body.count }

    /// Feeds bytes.
    /// - Parameter bytes: the next bytes of the stream, any chunking.
    /// - Returns: the events completed by these bytes, in order.
    public mutating func append(_ bytes: [UInt8]) -> [Event] {
        bytes.withUnsafeBytes { append($0) }
    }

    /// Feeds bytes (the concrete entry point, for hot paths across modules).
    /// - Parameter bytes: the next bytes of the stream, any chunking.
    /// - Returns: the events completed by these bytes, in order.
    public mutating func append(_ bytes: UnsafeRawBufferPointer) -> [Event] {
        var events: [Event] = []
        var index = 0
        let count = bytes.count
        while index < count {
            switch state {
            case .boundary:
                if bytes[index] == BinaryFrame.marker {
                    state = .length(have: 0, value: 0)
                    index += 1
                } else {
                    state = .line
                }
            case .line:
                let newline = LineFramer.newline(in: bytes, from: index)
                let end = newline < count ? newline + 1 : count
                for event in lines.append(UnsafeRawBufferPointer(rebasing: bytes[index..<end])) { events.append(Self.event(event)) }
                if newline < count { state = .boundary }
                index = end
            case .length(let have, let value):
                let next = value << 8 | Int(bytes[index])
                index += 1
                if have < 3 {
                    state = .length(have: have + 1, value: next)
                } else if next > maxBytes {
                    events.append(.oversized(byteCount: next))
                    state = .skipping(remaining: next)
                } else if next == 0 {
                    events.append(.frame([]))
                    state = .boundary
                } else {
                    body.reserveCapacity(min(next, 1 << 20))
                    state = .body(remaining: next)
                }
            case .body(let remaining):
                let take = min(remaining, count - index)
                body.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[index..<(index + take)]))
                index += take
                if take == remaining {
                    events.append(.frame(body))
                    body = []
                    state = .boundary
                } else {
                    state = .body(remaining: remaining - take)
                }
            case .skipping(let remaining):
                let take = min(remaining, count - index)
                index += take
                state = take == remaining ? .boundary : .skipping(remaining: remaining - take)
            }
        }
        return events
    }

    /// Ends the stream: an unterminated last line is returned (or reported oversized); an
    /// incomplete frame is dropped (its sender is gone).
    /// - Returns: the final event, if any.
    public mutating func finish() -> Event? {
        defer {
            state = .boundary
            body = []
        }
        guard case .line = state else { return nil }
        return lines.finish().map(Self.event)
    }

    private static func event(_ event: LineFramer.Event) -> Event {
        switch event {
        case .line(let bytes): .line(bytes)
        case .oversized(let count): .oversized(byteCount: count)
        }
    }
}
