extension HTTPServer {
    /// What one client may cost: every byte and second a client can make the server hold.
    public struct Limits: Sendable {
        /// Request line and headers together (NIO's decoder counts the URL, names and values as
        /// they arrive, so a longer head is refused with 431 before it is held). bitcoind's
        /// MAX_HEADERS_SIZE (src/httpserver.cpp) is 8192.
        public var maxHeaderBytes = 8192
        /// A body longer than this is refused with 413: at once when `Content-Length` says so,
        /// else as soon as the chunks received pass it; nothing beyond it is buffered.
        public var maxBodyBytes = 1 << 20
        /// A connection must complete each request within this time of being ready for one
        /// (accepted, or its previous response written): idle keep-alive connections and clients
        /// that drip their request are closed. bitcoind's `-rpcservertimeout` default is 30 s.
        public var requestTimeout: Duration = .seconds(30)
        /// Connections open at once (``InboundSlots``: a newcomer may evict a connection that has
        /// not completed a request yet, from the address holding the most such connections).
        public var maxConnections = 128
        /// How long a graceful shutdown waits for requests in flight before closing their connections.
        public var shutdownGrace: Duration = .seconds(5)

        public init(maxHeaderBytes: Int = 8192, maxBodyBytes: Int = 1 << 20, requestTimeout: Duration = .seconds(30),
                    maxConnections: Int = 128) {
            self.maxHeaderBytes = maxHeaderBytes
            self.maxBodyBytes = maxBodyBytes
            self.requestTimeout = requestTimeout
            self.maxConnections = maxConnections
        }
    }
}
