/// What ``JSONValue/parse(_:limits:)`` accepts at most. Checked before allocating: the size first,
/// the depth as containers open. The tree built stays within a small multiple of `maxBytes`
/// (every value needs at least one byte of text).
public struct JSONLimits: Sendable, Hashable {
    /// Longest text accepted, in bytes.
    public var maxBytes: Int
    /// Deepest nesting of arrays and objects accepted (the top level is depth 1).
    public var maxDepth: Int

    public init(maxBytes: Int, maxDepth: Int) {
        self.maxBytes = maxBytes
        self.maxDepth = maxDepth
    }

    /// 16 MiB and 64 levels: a driver-protocol line (DriverProtocolLimits.maxLineBytes, derived
    /// there from the largest block as hex) with room; no message of altnet nests beyond 10.
    public static let standard = JSONLimits(maxBytes: 16 * 1024 * 1024, maxDepth: 64)
}
