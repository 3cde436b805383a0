import DriverKit
import DriverProtocol
import Foundation
import LightningAltnetMessages

/// The driver: `init` starts the listener and diallers; requests go to the connected peers.
final class LightningDriver: Driver, @unchecked Sendable {
    // @unchecked: `tasks` is guarded by `lock`; `peers` is itself thread-safe.
    private let peers = PeerTable()
    private let lock = NSLock()
    private var tasks: [Task<Void, Never>] = []

    let info = DriverDescription(
        name: "lightning", version: "0.1.0",
        capabilities: TransportCapabilities(
            send: true, receive: true, messageKinds: [.headers, .blocks, .transactions],
            encrypted: true, authenticatedPeer: true, latency: .low, bandwidth: .high, privacy: .low),
        options: LightningOptions.specs)

    func start(_ params: InitParams, context: DriverContext) async throws {
        let options = try LightningOptions(params)
        guard let nodeID = options.nodeID else {
            context.logger.warning("no node_id in init options: running without Lightning links")
            return
        }
        let connection = Connection(
            nodeKey: CoreNodeKey(publicKey: nodeID, context: context), chainHash: options.chainHash,
            peers: peers, context: context,
            limits: AltnetReassemblyLimits(reassemblyTimeout: options.reassemblyTimeout))
        let network = LightningNetwork(connection: connection, logger: context.logger)
        var started: [Task<Void, Never>] = []
        if let listen = options.listen {
            let acceptLoop = try await network.listen(host: listen.host, port: listen.port)
            started.append(Task { await acceptLoop() })
        }
        for target in options.connect {
            started.append(Task { await network.keepConnected(target) })
        }
        lock.withLock { tasks += started }
    }

    func sendMessage(_ params: SendMessageParams, context: DriverContext) async throws -> SendMessageResult {
        guard let link = peers.link(params.peer) else {
            throw DriverProtocolError(.peerUnavailable, params.peer.map { "peer \($0.prefix(66)) is not connected" } ?? "no peer connected")
        }
        let payload = try Hex.decode(params.message.payload, field: "payload")
        let message: AltnetMessage
        do {
            message = try AltnetMessage(command: params.message.command, payload: payload)
        } catch {
            throw DriverProtocolError(.invalidParams, "\(error)")
        }
        guard !params.expect.isEmpty else {
            link.send(message)
            return SendMessageResult(peer: link.info.id)
        }
        let timeout = Duration.milliseconds(max(params.timeoutMs, 1))
        guard let reply = await link.request(message, expect: Set(params.expect), timeout: timeout) else {
            throw DriverProtocolError(.timeout, "no \(params.expect.joined(separator: "/")) from \(link.info.id.prefix(16)) within \(params.timeoutMs) ms")
        }
        return SendMessageResult(
            peer: link.info.id, replies: [P2PMessage(command: reply.command, payload: Hex.encode(reply.payload))])
    }

    func listPeers(context: DriverContext) async throws -> ListPeersResult {
        ListPeersResult(peers: peers.all.map(\.info))
    }

    func broadcastTx(_ params: BroadcastTxParams, context: DriverContext) async throws -> BroadcastTxResult {
        let tx = try AltnetMessage(command: "tx", payload: try Hex.decode(params.tx, field: "tx"))
        let links = peers.all
        for link in links { link.send(tx) }
        return BroadcastTxResult(accepted: !links.isEmpty, peers: links.count,
                                 reason: links.isEmpty ? "no Lightning peer connected" : nil)
    }

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
