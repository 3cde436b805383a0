import BitcoinPrimitives
import DriverKit
import DriverProtocol
import Foundation
import JSON
import LightningAltnetMessages
import LightningDriverCore

/// The driver: `init` starts the listener and diallers; requests go to the connected peers.
final class LightningDriver: Driver, @unchecked Sendable {
    // @unchecked: `tasks` and `identity` are guarded by `lock`; `peers` and `hub` are themselves
    // thread-safe.
    let peers = PeerTable()
    let hub = AltnetHub()
    private let lock = NSLock()
    private var tasks: [Task<Void, Never>] = []
    private var identity = LightningInfo(nodeid: nil, listen: nil)

    let info = DriverDescription(
        name: "lightning", version: "0.1.0",
        capabilities: TransportCapabilities(
            send: true, receive: true, messageKinds: [.headers, .blocks, .transactions],
            encrypted: true, authenticatedPeer: true, latency: .low, bandwidth: .high, privacy: .low),
        options: LightningOptions.specs)

    /// Options from the command line; `init` options override them.
    private let defaults: [String: JSONValue]

    /// - Parameter defaults: options given as command-line flags.
    init(defaults: [String: JSONValue] = [:]) { self.defaults = defaults }

    func start(_ params: InitParams, context: DriverContext) async throws {
        var params = params
        params.options = defaults.merging(params.options) { _, fromInit in fromInit }
        let options = try LightningOptions(params)
        guard let nodeID = options.nodeID else {
            context.logger.warning("no node_id in init options: running without Lightning links")
            return
        }
        hub.configure(limits: AltnetReassemblyLimits(reassemblyTimeout: options.reassemblyTimeout), txAckTimeout: options.txAckTimeout)
        let connection = Connection(
            nodeKey: CoreNodeKey(publicKey: nodeID, context: context), peers: peers, hub: hub, context: context,
            settings: BOLT8PeerSession.Settings(
                chainHash: options.chainHash, queueLimit: options.outboundQueueBytes, initTimeout: options.initTimeout,
                pingInterval: options.pingInterval, pongTimeout: options.pongTimeout))
        let network = LightningNetwork(
            connection: connection, logger: context.logger, reconnectMax: options.reconnectMax, maxInbound: options.maxInbound)
        var started: [Task<Void, Never>] = []
        var listening: String?
        if let listen = options.listen {
            let (address, acceptLoop) = try await network.listen(host: listen.host, port: listen.port)
            listening = address
            started.append(Task { await acceptLoop() })
        }
        let info = LightningInfo(nodeid: Hex.encode(nodeID.serialized(compressed: true)), listen: listening)
        lock.withLock { identity = info }
        for target in options.connect {
            started.append(Task { await network.keepConnected(target) })
        }
        lock.withLock { tasks += started }
    }

    func sendMessage(_ params: SendMessageParams, context: DriverContext) async throws -> SendMessageResult {
        try await hub.sendMessage(params, via: peers)
    }

    func listPeers(context: DriverContext) async throws -> ListPeersResult {
        ListPeersResult(peers: peers.all.map { $0.info(altnet: hub.carriesAltnet($0.id)) })
    }

    func broadcastTx(_ params: BroadcastTxParams, context: DriverContext) async throws -> BroadcastTxResult {
        try await hub.broadcastTx(params, via: peers)
    }

    /// What `lightning.getinfo` answers: the node id and the bound listen address.
    var currentInfo: LightningInfo { lock.withLock { identity } }

    func disconnectPeer(_ params: DisconnectPeerParams, context: DriverContext) async throws {
        guard let link = peers.link(params.peer) else {
            throw DriverProtocolError(.peerUnavailable, "peer \(params.peer.prefix(66)) is not connected")
        }
        context.logger.warning("disconnecting \(params.peer.prefix(66)) at the core's request: \(params.reason.prefix(200))")
        link.close()
    }

    func stop(context: DriverContext) async {
        let running = lock.withLock { tasks }
        for task in running { task.cancel() }
        peers.closeAll()
    }
}
