/// The bytes one peer may make a driver hold for it: bytes handed to the socket layer and not yet
/// written out. The same rule in every driver (issue 15): a peer that stops reading stops costing
/// memory at `limit`; past it the send is refused and the driver drops the peer (or, for a
/// request from the core, fails that request), never queues more.
///
/// The Lightning driver counts its outbound queue with it (altnet messages up to `limit`, control
/// messages up to `limit + allowance`), the BIP324 driver its NIO writes not yet completed. Not
/// thread-safe: the owner holds it on its event loop or under its lock.
public struct OutboundBudget: Sendable {
    /// Bytes the budget allows.
    public let limit: Int
    /// Bytes queued and not yet written.
    public private(set) var queued = 0

    /// - Parameter limit: bytes queued at most.
    public init(limit: Int) { self.limit = limit }

    /// Takes `count` bytes from the budget.
    /// - Parameters:
    ///   - count: the size of the message to queue.
    ///   - allowance: room granted above `limit` for this message (control messages).
    /// - Returns: false (and nothing taken) when the message would pass the limit.
    public mutating func take(_ count: Int, allowance: Int = 0) -> Bool {
        guard queued + count <= limit + allowance else { return false }
        queued += count
        return true
    }

    /// `count` bytes were written out.
    public mutating func release(_ count: Int) { queued = max(0, queued - count) }
}
