import BitcoinPrimitives

/// What the watchdog takes from a push feed (bitcoind's ZMQ). The daemon maps BitcoindZMQ's
/// events onto these, so the Watchdog target needs no I/O module.
public enum FeedEvent: Sendable, Equatable {
    /// A block became the tip (`hashblock`, or `sequence` label C).
    case blockConnected(BlockHash)
    /// A block left the active chain (`sequence` label D).
    case blockDisconnected(BlockHash)
    /// Messages were lost on `topic` (a counter gap).
    case gap(topic: String, missed: UInt64)
    /// The consumer fell behind and buffered events were dropped.
    case consumerLagged(dropped: Int)
    /// The publisher's counters restarted (bitcoind restarted).
    case publisherRestarted(topic: String)
    /// The feed (re)connected or lost its connection (informational: silence is judged by
    /// cross-checking with RPC, not by connection state).
    case connected(endpoint: String)
    case disconnected(endpoint: String)
    /// A message that could not be decoded.
    case malformed(String)
}
