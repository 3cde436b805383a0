import BitcoinPrimitives
import DriverProtocol

/// What one broadcast feed (a receive-only driver) pushed, kept bounded: the newest run of
/// linked headers and a few recent blocks. Pure: P2P payloads in, `getheaders`-style answers out.
///
/// Nothing here is trusted. The window only remembers; a rescue or cross-check reads it through
/// ``FeedRouter`` as one more source, and its headers go through `HeaderChain` like any answer.
///
/// ```
///  push headers H: H[0] builds on our last header   -> appended
///                  H[0] builds on one we hold        -> the feed reorged: cut there, append
///                  otherwise                         -> a new run: replace the window
///  over maxHeaders -> the oldest are dropped;  over maxBlocks -> the oldest block is dropped
/// ```
public struct FeedWindow: Sendable {
    /// Headers kept (the newest); 10,000 x 80 bytes plus an index entry is under 2 MB.
    public static let defaultMaxHeaders = 10_000
    /// Blocks kept (the newest), each at most ``Block/maxSerializedSize``.
    public static let defaultMaxBlocks = 4

    let maxHeaders: Int
    let maxBlocks: Int
    /// The run of headers, each building on the one before it, oldest first.
    private(set) var headers: [BlockHeader] = []
    /// Hash -> position in ``headers`` (rebuilt when the window is cut).
    private var positions: [BlockHash: Int] = [:]
    /// Recent blocks, oldest first: hash and serialized bytes as hex.
    private(set) var blocks: [(hash: BlockHash, payload: String)] = []
    /// The peer id the feed named in its last push.
    public private(set) var lastPeer = ""
    /// Messages taken and refused (unreadable, or of a kind the window does not keep).
    public private(set) var taken = 0
    public private(set) var refused = 0

    public init(maxHeaders: Int = FeedWindow.defaultMaxHeaders, maxBlocks: Int = FeedWindow.defaultMaxBlocks) {
        self.maxHeaders = max(1, maxHeaders)
        self.maxBlocks = max(0, maxBlocks)
    }

    /// Headers held.
    public var count: Int { headers.count }
    /// The newest header held.
    public var tip: BlockHeader? { headers.last }

    /// Takes one pushed message: `headers` or `block`; anything else is refused.
    /// - Returns: true when the window changed (new headers or a new block).
    public mutating func take(_ message: DriverP2PMessage, peer: String) -> Bool {
        guard let command = try? P2PCommand(message.command), command == .headers || command == .block,
              let bytes = try? message.payloadBytes(),
              let decoded = try? P2PMessage.decode(command: command, payload: bytes)
        else {
            refused += 1
            return false
        }
        taken += 1
        lastPeer = String(peer.prefix(80))
        switch decoded {
        case .headers(let pushed): return add(pushed)
        case .block(let block): return add(block, payload: message.payload)
        default: return false
        }
    }

    /// Adds pushed headers (see the diagram).
    /// - Returns: true when a header was added.
    public mutating func add(_ pushed: [BlockHeader]) -> Bool {
        guard let first = pushed.first else { return false }
        // Only the part that links: a batch that breaks its own chain is cut at the break.
        var run = [first]
        for header in pushed.dropFirst() {
            guard header.previousBlockHash == run[run.count - 1].hash else { break }
            run.append(header)
        }
        // What we already hold at the start of the run (a feed repeating itself) is skipped.
        var start = 0
        while start < run.count, positions[run[start].hash] != nil { start += 1 }
        guard start < run.count else { return false }
        let parent = run[start].previousBlockHash
        if headers.last?.hash == parent {
            // extends the run
        } else if let at = positions[parent] {
            cut(after: at)
        } else {
            headers = []
            positions = [:]
        }
        for header in run[start...] {
            positions[header.hash] = headers.count
            headers.append(header)
        }
        if headers.count > maxHeaders {
            headers.removeFirst(headers.count - maxHeaders)
            reindex()
        }
        return true
    }

    /// Adds a pushed block (the newest ``maxBlocks`` are kept).
    mutating func add(_ block: Block, payload: String) -> Bool {
        guard maxBlocks > 0, !blocks.contains(where: { $0.hash == block.hash }) else { return false }
        blocks.append((block.hash, payload))
        if blocks.count > maxBlocks { blocks.removeFirst(blocks.count - maxBlocks) }
        return true
    }

    /// A pushed block, as hex, when the window holds it.
    public func block(_ hash: BlockHash) -> String? { blocks.first { $0.hash == hash }?.payload }

    /// Answers a `getheaders` from what the feed pushed, as a peer would: the headers after the
    /// first locator hash the window knows (or after the one the run builds on), at most
    /// `limit`.
    /// - Returns: the headers (empty: the feed has nothing after that hash), or nil when the
    ///   window is empty or links to no hash of the locator (the feed cannot say).
    public func headers(after locator: [BlockHash], limit: Int = P2PLimits.maxHeaders) -> [BlockHeader]? {
        guard let first = headers.first else { return nil }
        for hash in locator {
            if let at = positions[hash] { return Array(headers[(at + 1)..<min(headers.count, at + 1 + limit)]) }
            if hash == first.previousBlockHash { return Array(headers.prefix(limit)) }
        }
        return nil
    }

    private mutating func cut(after index: Int) {
        guard index + 1 < headers.count else { return }
        for header in headers[(index + 1)...] { positions[header.hash] = nil }
        headers.removeSubrange((index + 1)...)
    }

    private mutating func reindex() {
        positions = [:]
        positions.reserveCapacity(headers.count)
        for (index, header) in headers.enumerated() { positions[header.hash] = index }
    }
}
