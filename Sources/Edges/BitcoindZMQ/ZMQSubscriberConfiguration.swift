/// Settings of a ``ZMQSubscriber``. Defaults suit a bitcoind on the same host.
public struct ZMQSubscriberConfiguration: Sendable, Equatable {
    /// Endpoints to connect to, e.g. `tcp://127.0.0.1:28332`. bitcoind may publish different
    /// topics on different addresses; one SUB socket connects to all of them.
    public var endpoints: [String]
    /// Topics to subscribe to (exact names; ZMQ matches prefixes, the decoder rejects others).
    public var topics: Set<ZMQTopic>
    /// Events held for a slow consumer before the oldest are dropped (and counted in a
    /// ``ZMQEvent/consumerLagged(dropped:)``). Memory is bounded by this count times the
    /// largest message: with `rawblock`, up to `maxMessageSize` each.
    public var bufferCapacity: Int
    /// ZMQ_RCVHWM: messages libzmq queues in the socket before it drops new ones.
    public var receiveHighWaterMark: Int32
    /// ZMQ_MAXMSGSIZE: a peer sending a larger frame is disconnected (then reconnected).
    /// Default 8 MiB: a block's serialisation is at most 4,000,000 bytes (weight limit).
    public var maxMessageSize: Int64
    /// ZMQ_RECONNECT_IVL and ZMQ_RECONNECT_IVL_MAX in milliseconds: first retry delay and
    /// the cap of its exponential backoff.
    public var reconnectIntervalMs: Int32
    public var reconnectIntervalMaxMs: Int32
    /// ZMQ_HEARTBEAT_IVL / ZMQ_HEARTBEAT_TIMEOUT in milliseconds: the SUB side pings (ZMTP
    /// 3.1, answered by bitcoind's libzmq) and drops a connection that stays silent past the
    /// timeout, so a half-open TCP connection is noticed and reconnected. 0 disables.
    public var heartbeatIntervalMs: Int32
    public var heartbeatTimeoutMs: Int32
    /// Frames accepted in one multipart message before the rest are discarded unread.
    public var maxFrames: Int

    public init(
        endpoints: [String],
        topics: Set<ZMQTopic> = [.hashBlock, .sequence],
        bufferCapacity: Int = 256,
        receiveHighWaterMark: Int32 = 10_000,
        maxMessageSize: Int64 = 8 << 20,
        reconnectIntervalMs: Int32 = 100,
        reconnectIntervalMaxMs: Int32 = 5_000,
        heartbeatIntervalMs: Int32 = 10_000,
        heartbeatTimeoutMs: Int32 = 30_000,
        maxFrames: Int = 8
    ) {
        self.endpoints = endpoints
        self.topics = topics
        self.bufferCapacity = bufferCapacity
        self.receiveHighWaterMark = receiveHighWaterMark
        self.maxMessageSize = maxMessageSize
        self.reconnectIntervalMs = reconnectIntervalMs
        self.reconnectIntervalMaxMs = reconnectIntervalMaxMs
        self.heartbeatIntervalMs = heartbeatIntervalMs
        self.heartbeatTimeoutMs = heartbeatTimeoutMs
        self.maxFrames = maxFrames
    }
}
