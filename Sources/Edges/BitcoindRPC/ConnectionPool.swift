import NIOCore
import NIOHTTP1
import NIOPosix

/// A few keep-alive HTTP connections to bitcoind, reused across calls, at most
/// `maxConnections` in use at once (bitcoind serves -rpcthreads=4 requests at a time and
/// answers 503 beyond its work queue, so more parallel connections only add failures).
actor ConnectionPool {
    private let host: String
    private let port: Int
    private let maxIdle: Int
    private let maxConnections: Int
    private var leased = 0
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private let connectTimeout: TimeAmount
    private let responseLimit: Int
    private let group: any EventLoopGroup
    private var idle: [any Channel] = []
    private var nextID = 0

    init(
        host: String, port: Int, maxIdle: Int, maxConnections: Int, connectTimeout: TimeAmount, responseLimit: Int,
        group: any EventLoopGroup
    ) {
        self.host = host
        self.port = port
        self.maxIdle = maxIdle
        self.maxConnections = max(1, maxConnections)
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
    ///   Waits while `maxConnections` are in use. Every acquired channel must be given back
    ///   with ``release(_:reusable:)``.
    func acquire() async throws(BitcoindRPCError) -> (channel: any Channel, reused: Bool) {
        while leased >= maxConnections {
            await withCheckedContinuation { waiters.append($0) }
        }
        leased += 1
        while let channel = idle.popLast() {
            if channel.isActive { return (channel, true) }
        }
        do {
            return (try await connect(), false)
        } catch {
            leased -= 1
            wakeOne()
            throw error
        }
    }

    /// Gives a connection back: kept for reuse after a complete keep-alive exchange, else closed.
    func release(_ channel: any Channel, reusable: Bool) {
        leased -= 1
        if reusable, channel.isActive, idle.count < maxIdle {
            idle.append(channel)
        } else {
            channel.close(promise: nil)
        }
        wakeOne()
    }

    private func wakeOne() {
        if !waiters.isEmpty { waiters.removeFirst().resume() }
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
