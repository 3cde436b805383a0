import NIOCore
import NIOHTTP1
import NIOPosix

/// A few keep-alive HTTP connections to bitcoind, reused across calls.
actor ConnectionPool {
    private let host: String
    private let port: Int
    private let maxIdle: Int
    private let connectTimeout: TimeAmount
    private let responseLimit: Int
    private let group: any EventLoopGroup
    private var idle: [any Channel] = []
    private var nextID = 0

    init(host: String, port: Int, maxIdle: Int, connectTimeout: TimeAmount, responseLimit: Int, group: any EventLoopGroup) {
        self.host = host
        self.port = port
        self.maxIdle = maxIdle
        self.connectTimeout = connectTimeout
        self.responseLimit = responseLimit
        self.group = group
    }

    /// A fresh request id.
    func makeID() -> Int {
        nextID += 1
        return nextID
    }

    /// An idle live connection, or a new one.
    /// - Returns: the channel and whether it was reused (a reused one may have been closed by
    ///   the server meanwhile: worth one retry on a fresh connection).
    /// - Throws: ``BitcoindRPCError`` (connectionRefused or timeout).
    func acquire() async throws(BitcoindRPCError) -> (channel: any Channel, reused: Bool) {
        while let channel = idle.popLast() {
            if channel.isActive { return (channel, true) }
        }
        return (try await connect(), false)
    }

    /// Returns a connection after a complete keep-alive exchange.
    func release(_ channel: any Channel) {
        guard channel.isActive, idle.count < maxIdle else {
            channel.close(promise: nil)
            return
        }
        idle.append(channel)
    }

    /// Closes all idle connections.
    func closeAll() {
        for channel in idle { channel.close(promise: nil) }
        idle.removeAll()
    }

    private func connect() async throws(BitcoindRPCError) -> any Channel {
        let limit = responseLimit
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(RPCClientHandler(limit: limit))
                }
            }
        do {
            return try await bootstrap.connect(host: host, port: port).get()
        } catch ChannelError.connectTimeout(let t) {
            throw BitcoindRPCError(.timeout(seconds: Double(t.nanoseconds) / 1e9))
        } catch {
            throw BitcoindRPCError(.connectionRefused("\(host):\(port): \(error)"))
        }
    }
}
