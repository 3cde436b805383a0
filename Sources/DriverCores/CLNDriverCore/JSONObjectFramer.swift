/// Splits a byte stream of concatenated JSON objects into whole objects under a hard size limit.
/// Pure: bytes in, events out.
///
/// Core Lightning's plugin protocol and its `lightning-rpc` socket send JSON-RPC objects one
/// after another (lightningd ends each with a blank line, but nothing in the documentation
/// promises an object holds no newline), so objects are framed by their braces: depth counted
/// outside strings, escapes skipped inside them. Whitespace between objects is skipped; any other
/// byte there is reported as ``Event/stray(_:)`` and dropped.
///
/// ```
///   between ──'{'──► inside (depth, in string, escape) ──depth 0──► between: emit .object
///                      │ buffer > limit
///                      ▼
///                   discarding (still counting depth) ──depth 0──► between: emit .oversized
/// ```
public struct JSONObjectFramer: Sendable {
    /// One framing result.
    public enum Event: Sendable, Hashable {
        /// One whole object, braces included.
        case object([UInt8])
        /// An object over the limit was discarded; `byteCount` is its full length.
        case oversized(byteCount: Int)
        /// A byte outside any object that is not whitespace (dropped).
        case stray(UInt8)
    }

    /// The largest object accepted, in bytes.
    public let maxObjectBytes: Int
    private var buffer: [UInt8] = []
    private var depth = 0
    private var inString = false
    private var escaped = false
    private var discarding = false
    private var discardedCount = 0

    /// - Parameter maxObjectBytes: the largest object kept; larger ones are counted and dropped.
    public init(maxObjectBytes: Int) {
        self.maxObjectBytes = maxObjectBytes
    }

    /// Bytes held towards the next object (at most `maxObjectBytes`).
    public var bufferedCount: Int { buffer.count }

    /// Feeds bytes.
    /// - Parameter bytes: the next bytes of the stream, any chunking.
    /// - Returns: the events these bytes completed, in order.
    public mutating func append(_ bytes: [UInt8]) -> [Event] {
        var events: [Event] = []
        for byte in bytes {
            guard depth > 0 else {
                switch byte {
                case 0x20, 0x09, 0x0A, 0x0D: continue
                case UInt8(ascii: "{"):
                    depth = 1
                    keep(byte)
                default:
                    events.append(.stray(byte))
                }
                continue
            }
            keep(byte)
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if depth == 0 { events.append(finish()) }
            default: break
            }
        }
        return events
    }

    private mutating func keep(_ byte: UInt8) {
        if discarding {
            discardedCount += 1
        } else if buffer.count >= maxObjectBytes {
            discarding = true
            discardedCount = buffer.count + 1
            buffer = []
        } else {
            buffer.append(byte)
        }
    }

    private mutating func finish() -> Event {
        defer {
            inString = false
            escaped = false
            discarding = false
            discardedCount = 0
        }
        if discarding { return .oversized(byteCount: discardedCount) }
        let object = buffer
        buffer.removeAll(keepingCapacity: buffer.count <= 1 << 16)
        return .object(object)
    }
}
