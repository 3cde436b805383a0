/// The plugin's queue of bridge lines for altnetd, bounded in bytes: a line that would pass the
/// cap is dropped and counted (the `custommsg` hook never waits for altnetd).
public struct ForwardQueue: Sendable {
    /// Most bytes held.
    public let capacity: Int
    private var lines: [[UInt8]] = []
    private var head = 0
    /// Bytes held now.
    public private(set) var bytes = 0
    /// Lines accepted so far.
    public private(set) var accepted = 0
    /// Lines dropped so far (queue full).
    public private(set) var dropped = 0

    /// - Parameter capacity: most bytes held.
    public init(capacity: Int) { self.capacity = capacity }

    /// Queues one line.
    /// - Returns: false when it did not fit (dropped and counted).
    @discardableResult
    public mutating func push(_ line: [UInt8]) -> Bool {
        guard bytes + line.count <= capacity else {
            dropped += 1
            return false
        }
        lines.append(line)
        bytes += line.count
        accepted += 1
        return true
    }

    /// Takes the oldest line.
    public mutating func pop() -> [UInt8]? {
        guard head < lines.count else { return nil }
        let line = lines[head]
        head += 1
        bytes -= line.count
        if head > 64 && head * 2 > lines.count {
            lines.removeFirst(head)
            head = 0
        }
        return line
    }

    /// Lines waiting.
    public var count: Int { lines.count - head }
}
