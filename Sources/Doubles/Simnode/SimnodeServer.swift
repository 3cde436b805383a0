import Foundation
import HTTPService
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// A running simnode: the RPC server on 127.0.0.1, the cookie file, the ZMQ publisher and the
/// node state. Start with ``start(_:logger:)``; stop with ``shutdown()`` or the `stop` RPC.
public final class SimnodeServer: Sendable {
    /// Where and how simnode listens.
    public struct Configuration: Sendable {
        /// The data directory; the cookie goes to `<datadir>/regtest/.cookie`.
        public var datadir: String
        public var rpcHost = "127.0.0.1"
        /// 0 picks a free port (see ``SimnodeServer/rpcPort``).
        public var rpcPort = 0
        /// The P2P port (0: any free port); nil for no P2P listener.
        public var p2pPort: Int?
        /// The P2P listener's address; nil for `rpcHost`. Another loopback address
        /// (127.x.y.z) puts a node in its own /16 network group, so tests can run peers that
        /// count as independent sources.
        public var p2pHost: String?
        /// Accept BIP324 v2 connections (v1 peers are still detected and served), as
        /// bitcoind's -v2transport=1 (its default since v26); false: v1 only.
        public var v2transport = true
        /// Peers to connect to at start ("HOST:PORT"), as bitcoind's -connect / -addnode.
        public var connect: [String] = []
        /// A ZMQ endpoint for hashblock, rawblock, hashtx, rawtx and sequence; nil for none.
        public var zmqPub: String?
        /// rpcuser/rpcpassword instead of a cookie (both set), as bitcoind's -rpcuser/-rpcpassword.
        public var rpcUser: String?
        public var rpcPassword: String?
        /// Keep connected blocks in `<datadir>/regtest/simnode-blocks.dat` and reload them at start.
        public var persist = false
        /// Start interval mining at this many seconds per block; 0 for none.
        public var miningInterval: Double = 0
        /// The Core release to answer as where releases differ (JSON-RPC 2.0, "warnings", ...).
        public var coreVersion: CoreVersion = .v26

        public init(datadir: String, rpcPort: Int = 0, zmqPub: String? = nil) {
            self.datadir = datadir
            self.rpcPort = rpcPort
            self.zmqPub = zmqPub
        }
    }

    public let node: SimnodeNode
    /// The bound RPC port.
    public let rpcPort: Int
    /// The cookie, when cookie authentication is used.
    public let cookie: CookieFile?
    /// The bound ZMQ endpoint, when publishing.
    public let zmqEndpoint: String?
    /// The bound P2P port, when listening.
    public let p2pPort: Int?
    private let rpc: HTTPServer
    private let p2pChannel: (any Channel)?
    private let publisher: ZMQPublisher?
    private let logger: Logger

    private init(
        node: SimnodeNode, rpc: HTTPServer, p2pChannel: (any Channel)?, cookie: CookieFile?,
        publisher: ZMQPublisher?, logger: Logger
    ) {
        self.node = node
        self.rpc = rpc
        self.p2pChannel = p2pChannel
        self.p2pPort = p2pChannel?.localAddress?.port
        self.rpcPort = rpc.port
        self.cookie = cookie
        self.publisher = publisher
        self.zmqEndpoint = publisher?.endpoint
        self.logger = logger
    }

    /// Starts simnode.
    /// - Parameters:
    ///   - configuration: ports, data directory, ZMQ endpoint.
    ///   - logger: where simnode logs.
    /// - Returns: the running server.
    /// - Throws: if the port, the ZMQ endpoint or the cookie file cannot be used.
    public static func start(_ configuration: Configuration, logger: Logger = Logger(label: "simnode")) async throws -> SimnodeServer {
        let publisher = try configuration.zmqPub.map { address throws(ZMQPublisher.Failure) in
            try ZMQPublisher(bind: address)
        }
        try FileManager.default.createDirectory(
            atPath: configuration.datadir + "/regtest", withIntermediateDirectories: true)
        let store = configuration.persist
            ? try BlockStore(path: configuration.datadir + "/regtest/simnode-blocks.dat") : nil
        let node = try SimnodeNode(publisher: publisher, store: store, coreVersion: configuration.coreVersion)
        let credentials: String
        let cookie: CookieFile?
        if let user = configuration.rpcUser, let password = configuration.rpcPassword {
            credentials = user + ":" + password
            cookie = nil
        } else {
            let c = CookieFile(path: configuration.datadir + "/regtest/" + CookieFile.fileName)
            try c.write()
            credentials = c.userColonPassword
            cookie = c
        }
        let endpoint = SimnodeRPCHTTP(node: node, userColonPassword: credentials)
        // bitcoind's own bounds: 8 KiB of headers, 32 MiB of body, -rpcservertimeout=30.
        let limits = HTTPServer.Limits(maxHeaderBytes: 8192, maxBodyBytes: SimnodeRPCHTTP.maxBodyBytes,
                                       requestTimeout: .seconds(30), maxConnections: 256)
        let rpc: HTTPServer
        var p2pChannel: (any Channel)?
        do {
            rpc = try await HTTPServer(address: .tcp(host: configuration.rpcHost, port: configuration.rpcPort), limits: limits,
                                       logger: logger) { await endpoint.handle($0) }
            if let p2pPort = configuration.p2pPort {
                let v2transport = configuration.v2transport
                await node.setV2Transport(v2transport)
                do {
                    p2pChannel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                        .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                        .childChannelInitializer { child in
                            child.eventLoop.makeCompletedFuture {
                                try child.pipeline.syncOperations.addHandler(P2PServerHandler(node: node, v2transport: v2transport, logger: logger))
                            }
                        }
                        .bind(host: configuration.p2pHost ?? configuration.rpcHost, port: p2pPort).get()
                } catch {
                    await rpc.shutdown()
                    throw error
                }
            }
        } catch {
            cookie?.delete()
            publisher?.close()
            throw error
        }
        let server = SimnodeServer(
            node: node, rpc: rpc, p2pChannel: p2pChannel, cookie: cookie, publisher: publisher, logger: logger)
        await node.setOnStop { [server] in
            Task { await server.shutdown() }
        }
        do {
            let v2 = configuration.v2transport
            await node.setConnector { host, port in
                P2PConnector.connect(host: host, port: port, node: node, v2: v2, logger: logger)
            }
            for address in configuration.connect {
                _ = try? await node.call("addnode", params: .array([.string(address), .string("add")]))
            }
        }
        if configuration.miningInterval > 0 {
            _ = try? await node.call("simsetmining", params: .array([.bool(true), .double(configuration.miningInterval)]))
        }
        logger.info(
            "simnode (as Core \(configuration.coreVersion)) RPC on \(configuration.rpcHost):\(server.rpcPort), P2P \(server.p2pPort.map(String.init) ?? "off") (\(configuration.v2transport ? "v2 and v1" : "v1 only")), ZMQ \(server.zmqEndpoint ?? "off")")
        return server
    }

    /// Stops serving: closes the RPC listener, the ZMQ socket, deletes the cookie. Idempotent.
    public func shutdown() async {
        await node.shutdown()
        try? await p2pChannel?.close()
        await rpc.shutdown()
        publisher?.close()
        cookie?.delete()
    }

    /// Returns when the server has stopped (the `stop` RPC or ``shutdown()``).
    public func waitUntilStopped() async {
        await rpc.waitUntilClosed()
        try? await p2pChannel?.close()
        // Let shutdown finish its cleanup when the stop came through RPC.
        publisher?.close()
        cookie?.delete()
    }
}
