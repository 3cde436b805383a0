/// An altnet message refused because the peer's outbound queue would exceed its cap: the peer
/// reads more slowly than we send.
public struct OutboundQueueFull: Error, Equatable, Sendable, CustomStringConvertible {
    public let peer: String
    public let queued: Int
    public let size: Int
    public let limit: Int

    /// - Parameters:
    ///   - peer: the peer's id.
    ///   - queued: bytes already queued for it.
    ///   - size: the refused message's bytes.
    ///   - limit: the queue's cap.
    public init(peer: String, queued: Int, size: Int, limit: Int) {
        self.peer = peer
        self.queued = queued
        self.size = size
        self.limit = limit
    }

    public var description: String {
        "outbound queue to \(peer.prefix(16)) is full: \(queued) bytes queued, \(size) more would pass the cap of \(limit) bytes (the peer reads too slowly)"
    }
}
