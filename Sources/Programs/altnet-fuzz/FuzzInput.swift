/// The fuzzer's bytes read as a little script: sizes, flags and chunk boundaries come from the
/// input itself, so libFuzzer's mutations steer the harness as well as the decoder. Reading past
/// the end gives zeros and empty arrays, never a trap.
struct FuzzInput {
    private(set) var rest: ArraySlice<UInt8>

    init(_ bytes: ArraySlice<UInt8>) { rest = bytes }

    var isEmpty: Bool { rest.isEmpty }

    /// The next byte, 0 past the end.
    mutating func byte() -> UInt8 { rest.popFirst() ?? 0 }

    /// The next two bytes, little-endian.
    mutating func u16() -> Int { Int(byte()) | Int(byte()) << 8 }

    /// Up to `count` bytes.
    mutating func take(_ count: Int) -> [UInt8] {
        let part = rest.prefix(max(0, count))
        rest = rest.dropFirst(part.count)
        return Array(part)
    }

    /// Everything left.
    mutating func remaining() -> [UInt8] {
        defer { rest = [] }
        return Array(rest)
    }
}

/// Chunk boundaries for "any split must give the same result" checks.
enum FuzzSplit {
    /// Splits `bytes` into chunks: one byte each when `seed` is 0, otherwise pseudo-random sizes
    /// (1 to 128 bytes, xorshift over the seed) so reads that end mid-header are exercised.
    static func chunks(_ bytes: [UInt8], seed: UInt8) -> [ArraySlice<UInt8>] {
        var out: [ArraySlice<UInt8>] = []
        var state = UInt32(seed) &* 0x9E37_79B9 | 1
        var i = 0
        while i < bytes.count {
            state ^= state << 13
            state ^= state >> 17
            state ^= state << 5
            let size = seed == 0 ? 1 : 1 + Int(state % 128)
            let end = min(bytes.count, i + size)
            out.append(bytes[i..<end])
            i = end
        }
        return out
    }
}

/// A sans-I/O stream decoder a harness feeds both whole and in chunks.
protocol FuzzStreamDecoder {
    associatedtype Event: Equatable
    mutating func append(_ bytes: [UInt8]) -> [Event]
    mutating func finish() -> Event?
    /// Bytes held towards the next event.
    var bufferedCount: Int { get }
}

extension FuzzSplit {
    /// Feeds `bytes` to one decoder whole and to another in the chunks `seed` picks, and checks
    /// that the chunked one never holds more than `limit` bytes and that both give the same
    /// events (the end of the stream included).
    /// - Parameters:
    ///   - make: a fresh decoder.
    ///   - name: the decoder's name in failure messages.
    /// - Returns: the events.
    static func sameEvents<D: FuzzStreamDecoder>(_ make: () -> D, _ bytes: [UInt8], seed: UInt8, limit: Int, name: String) -> [D.Event] {
        var whole = make()
        var split = make()
        var wholeEvents = whole.append(bytes)
        var splitEvents: [D.Event] = []
        for chunk in chunks(bytes, seed: seed) {
            splitEvents += split.append(Array(chunk))
            FuzzTargets.check(split.bufferedCount <= limit, "\(name) holds \(split.bufferedCount) bytes over \(limit)")
        }
        if let last = whole.finish() { wholeEvents.append(last) }
        if let last = split.finish() { splitEvents.append(last) }
        FuzzTargets.check(wholeEvents == splitEvents, "\(name) events depend on the split")
        return wholeEvents
    }
}
