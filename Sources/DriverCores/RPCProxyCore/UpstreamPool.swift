import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// Keep-alive connections to bitcoind owned by one event loop: a client connection on that
/// loop borrows one, writes the request bytes, gets bitcoind's reply bytes and gives it back,
/// all on the loop. At most `limit` connections; beyond that callers wait in order.
/// Not thread-safe: used only on `loop` (held in a `NIOLoopBoundBox`).
final class UpstreamLoopPool {
    /// A connection and its handler.
    struct Connection {
        let channel: any Channel
        let handler: UpstreamHandler
    }

    typealias Waiter = (Result<Connection, UpstreamFailure>) -> Void

    private let loop: any EventLoop
    private let host: String
    private let port: Int
    private let limit: Int
    private let replyLimit: Int
    private var idle: [Connection] = []
    private var open = 0
    private var waiters = CircularBuffer<Waiter>()
    private var closed = false

    /// - Parameters:
    ///   - loop: the event loop owning the pool and its connections.
    ///   - host: bitcoind's RPC host.
    ///   - port: bitcoind's RPC port.
    ///   - limit: connections open at once.
    ///   - replyLimit: largest reply body accepted.
    init(loop: any EventLoop, host: String, port: Int, limit: Int, replyLimit: Int) {
        self.loop = loop
        self.host = host
        self.port = port
        self.limit = max(1, limit)
        self.replyLimit = replyLimit
    }

    /// Hands a connection to `body`: an idle one, a new one, or the next one released.
    /// - Parameter body: called on the loop with the connection or ``UpstreamFailure/closed``
    ///   when none could be opened.
    func acquire(_ body: @escaping Waiter) {
        guard !closed else { return body(.failure(.closed)) }
        while let connection = idle.popLast() {
            if connection.handler.isIdle { return body(.success(connection)) }
            open -= 1
            connection.channel.close(promise: nil)
        }
        guard open < limit else { return waiters.append(body) }
        connect(body)
    }

    /// Takes a connection back after a request.
    /// - Parameters:
    ///   - connection: the connection.
    ///   - reusable: false when the reply did not end cleanly or bitcoind closes it.
    func release(_ connection: Connection, reusable: Bool) {
        if reusable, !closed, connection.handler.isIdle {
            if let waiter = waiters.popFirst() { return waiter(.success(connection)) }
            idle.append(connection)
            return
        }
        open -= 1
        connection.channel.close(promise: nil)
        guard let waiter = waiters.popFirst() else { return }
        if closed {
            waiter(.failure(.closed))
        } else {
            connect(waiter)
        }
    }

    /// Closes every idle connection and refuses new work; busy ones close when released.
    func closeAll() {
        closed = true
        for connection in idle { connection.channel.close(promise: nil) }
        open -= idle.count
        idle.removeAll()
        while let waiter = waiters.popFirst() { waiter(.failure(.closed)) }
    }

    private func connect(_ body: @escaping Waiter) {
        open += 1
        let replyLimit = self.replyLimit
        let connecting = ClientBootstrap(group: loop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(.seconds(5))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    // The request head is the proxy's own (fixed names, the cookie's base64, a
                    // numeric length): validating it on every call cost 6% of the proxy's CPU.
                    try channel.pipeline.syncOperations.addHTTPClientHandlers(enableOutboundHeaderValidation: false)
                    try channel.pipeline.syncOperations.addHandler(UpstreamHandler(limit: replyLimit))
                }
            }
            .connect(host: host, port: port)
        connecting.assumeIsolated().whenComplete { [self] result in
            switch result {
            case .success(let channel):
                guard let handler = try? channel.pipeline.syncOperations.handler(type: UpstreamHandler.self) else {
                    open -= 1
                    channel.close(promise: nil)
                    return body(.failure(.closed))
                }
                body(.success(Connection(channel: channel, handler: handler)))
            case .failure:
                open -= 1
                body(.failure(.closed))
            }
        }
    }
}

/// One ``UpstreamLoopPool`` per event loop of the group, and the header bitcoind expects.
/// The proxy's forwarding path: a request admitted on a loop goes out on that loop's pool.
final class UpstreamPools: Sendable {
    private let pools: [ObjectIdentifier: NIOLoopBoundBox<UpstreamLoopPool>]
    private let hostHeader: String
    private let authorization = NIOLockedValueBox<String?>(nil)
    /// How long bitcoind may take to answer a forwarded call.
    let timeout: TimeAmount

    /// - Parameters:
    ///   - group: the event loops that serve client connections.
    ///   - host: bitcoind's RPC host.
    ///   - port: bitcoind's RPC port.
    ///   - connections: connections to bitcoind in all (split across the loops).
    ///   - replyLimit: largest reply accepted.
    ///   - timeout: per-request timeout.
    init(group: MultiThreadedEventLoopGroup, host: String, port: Int, connections: Int, replyLimit: Int, timeout: TimeAmount) {
        var loops: [any EventLoop] = []
        for loop in group.makeIterator() { loops.append(loop) }
        let perLoop = max(1, (connections + loops.count - 1) / max(1, loops.count))
        var pools: [ObjectIdentifier: NIOLoopBoundBox<UpstreamLoopPool>] = [:]
        for loop in loops {
            // Created off the loop and handed over whole (`sending`): used only on `loop` from here.
            pools[ObjectIdentifier(loop)] = NIOLoopBoundBox.makeBoxSendingValue(
                UpstreamLoopPool(loop: loop, host: host, port: port, limit: perLoop, replyLimit: replyLimit), eventLoop: loop)
        }
        self.pools = pools
        self.hostHeader = "\(host):\(port)"
        self.timeout = timeout
    }

    /// The current `Authorization` header for bitcoind; nil until known (then callers take
    /// the slow path, which reads the cookie).
    var authorizationHeader: String? {
        get { authorization.withLockedValue { $0 } }
        set { authorization.withLockedValue { $0 = newValue } }
    }

    /// Forwards a request body as is on `loop`'s pool.
    /// - Parameters:
    ///   - body: the JSON-RPC body.
    ///   - uri: the request path.
    ///   - loop: the current event loop (the caller must be on it).
    ///   - done: called on the loop with bitcoind's reply or why there is none.
    /// - Returns: false when this loop has no pool or no credentials yet (nothing was sent).
    func forward(_ body: ByteBuffer, uri: String, on loop: any EventLoop, _ done: @escaping (Result<UpstreamReply, UpstreamFailure>) -> Void) -> Bool {
        guard let bound = pools[ObjectIdentifier(loop)], let authorization = authorizationHeader else { return false }
        var headers = HTTPHeaders()
        headers.reserveCapacity(5)
        headers.add(name: "Host", value: hostHeader)
        headers.add(name: "Authorization", value: authorization)
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Content-Length", value: String(body.readableBytes))
        headers.add(name: "Connection", value: "keep-alive")
        let head = HTTPRequestHead(version: .http1_1, method: .POST, uri: uri, headers: headers)
        let pool = bound.value
        let timeout = self.timeout
        pool.acquire { acquired in
            switch acquired {
            case .failure(let failure):
                done(.failure(failure))
            case .success(let connection):
                connection.handler.send(head: head, body: body, timeout: timeout, on: loop)
                    .assumeIsolated().whenComplete { result in
                        switch result {
                        case .success(let reply):
                            pool.release(connection, reusable: reply.keepAlive)
                            done(.success(reply))
                        case .failure(let error):
                            pool.release(connection, reusable: false)
                            done(.failure(error as? UpstreamFailure ?? .closed))
                        }
                    }
            }
        }
        return true
    }

    /// Closes every pool's idle connections.
    func close() async {
        for bound in pools.values {
            try? await bound.eventLoop.submit { bound.value.closeAll() }.get()
        }
    }
}
