/// What a ``ZMQSubscriber`` delivers: decoded messages and everything a consumer must know
/// about the feed itself (lost messages, bad input, connection changes, its own lag).
public enum ZMQEvent: Sendable, Equatable {
    /// A decoded bitcoind notification.
    case message(ZMQMessage)
    /// Messages on `topic` were lost (publisher high-water mark, reconnect, slow network):
    /// re-read the chain over RPC. Delivered before the message that revealed the gap.
    case gap(topic: ZMQTopic, expected: UInt32, received: UInt32, missed: UInt32)
    /// The topic's counter went backwards: bitcoind restarted.
    case publisherRestarted(topic: ZMQTopic, previous: UInt32, received: UInt32)
    /// A message that is not a valid bitcoind notification; it was dropped, the feed goes on.
    case malformed(ZMQFrameError)
    /// The socket (re)connected to an endpoint.
    case connected(endpoint: String)
    /// The connection to an endpoint dropped; libzmq reconnects by itself.
    case disconnected(endpoint: String)
    /// The consumer fell behind: this many events were dropped here, before the next one.
    case consumerLagged(dropped: Int)
}
