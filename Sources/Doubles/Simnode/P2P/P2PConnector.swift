import Logging
import NIOCore
import NIOPosix

/// Outbound P2P connections (`--connect`, `addnode`), as bitcoind makes them: BIP324 v2 first
/// when v2transport is on, and once more over v1 when the peer closes a v2 attempt before
/// the handshake completes (bitcoind's reconnect-as-v1).
enum P2PConnector {
    /// Connects to `host:port` and hands the connection to the node as a manual peer.
    /// - Parameters:
    ///   - host: a name or address.
    ///   - port: the P2P port.
    ///   - node: the node the connection serves.
    ///   - v2: try BIP324 first.
    ///   - logger: where failures go.
    static func connect(host: String, port: Int, node: SimnodeNode, v2: Bool, logger: Logger) {
        var retryV1: (@Sendable () -> Void)?
        if v2 {
            retryV1 = { @Sendable in
                logger.info("P2P \(host):\(port) refused v2; retrying with v1")
                connect(host: host, port: port, node: node, v2: false, logger: logger)
            }
        }
        let onV2Refused = retryV1
        ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(.seconds(10))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        P2PServerHandler(node: node, v2transport: v2, outbound: true, onV2Refused: onV2Refused, logger: logger))
                }
            }
            .connect(host: host, port: port)
            .whenFailure { error in
                logger.warning("P2P connect to \(host):\(port) failed: \(error)")
            }
    }
}
