import CLNDriverCore
import DriverKit
import DriverProtocol
import Foundation
import JSON
import LightningAltnetMessages
import LightningDriverCore

/// The driver half of the Core Lightning carrier: altnet messages over the operator's own
/// lightningd. Receives through the plugin half's socket (``PluginBridge``), sends with
/// `sendcustommsg` (``CustomMessageSender``), follows `listpeers` (``PeerPoller``); the altnet
/// session itself (fragments, reply pairing, capability) is the BOLT 8 driver's ``AltnetHub``.
final class CLNDriver: Driver, @unchecked Sendable {
    // @unchecked: `tasks` and `poller` are guarded by `lock`; `hub` is thread-safe.
    let hub = AltnetHub()
    private let lock = NSLock()
    private var tasks: [Task<Void, Never>] = []
    private var running: (poller: PeerPoller, sender: CustomMessageSender)?

    let info = DriverDescription(
        name: "cln", version: "0.1.0",
        capabilities: TransportCapabilities(
            send: true, receive: true, messageKinds: [.headers, .blocks, .transactions],
            encrypted: true, authenticatedPeer: true, latency: .low, bandwidth: .high, privacy: .low),
        options: CLNOptions.specs)

    /// Options from the command line; `init` options override them.
    private let defaults: [String: JSONValue]

    /// - Parameter defaults: options given as command-line flags.
    init(defaults: [String: JSONValue] = [:]) { self.defaults = defaults }

    func start(_ params: InitParams, context: DriverContext) async throws {
        var params = params
        params.options = defaults.merging(params.options) { _, fromInit in fromInit }
        let options = try CLNOptions(params, home: NSHomeDirectory())
        umask(0o077)
        hub.configure(limits: AltnetReassemblyLimits(reassemblyTimeout: options.reassemblyTimeout), txAckTimeout: options.txAckTimeout)
        let rpc = LightningRPCClient(path: options.rpcPath)
        let sender = CustomMessageSender(rpc: rpc, limit: options.outboundQueueBytes)
        let poller = PeerPoller(rpc: rpc, hub: hub, sender: sender, context: context)
        let accept = try await PluginBridge(hub: hub, poller: poller, sender: sender, context: context).listen(path: options.socketPath)
        // The default socket sits in the driver's own data directory: only altnetd's user enters it.
        if options.socketPath == params.dataDir + "/plugin.sock" { chmod(params.dataDir, 0o700) }
        context.logger.info("lightningd's RPC socket: \(options.rpcPath)")
        let hub = self.hub
        let interval = options.listPeersInterval
        let started = [
            Task { await accept() },
            Task { await sender.run(logger: context.logger) },
            Task {
                while !Task.isCancelled {
                    await poller.poll()
                    for peer in await poller.peerInfos.map(\.id) {
                        for case .dropped(_, let error) in hub.expire(peer, now: .now) {
                            context.logger.warning("altnet message dropped: \(error)")
                        }
                    }
                    try? await Task.sleep(for: interval)
                }
            },
        ]
        lock.withLock {
            tasks += started
            running = (poller, sender)
        }
    }

    func sendMessage(_ params: SendMessageParams, context: DriverContext) async throws -> SendMessageResult {
        guard let sender = lock.withLock({ running?.sender }) else { throw DriverProtocolError(.peerUnavailable, "not started") }
        return try await hub.sendMessage(params, via: sender)
    }

    func listPeers(context: DriverContext) async throws -> ListPeersResult {
        guard let poller = lock.withLock({ running?.poller }) else { return ListPeersResult(peers: []) }
        return ListPeersResult(peers: await poller.peerInfos)
    }

    func broadcastTx(_ params: BroadcastTxParams, context: DriverContext) async throws -> BroadcastTxResult {
        guard let sender = lock.withLock({ running?.sender }) else { throw DriverProtocolError(.peerUnavailable, "not started") }
        return try await hub.broadcastTx(params, via: sender)
    }

    /// The Lightning connection is the operator's (a channel partner): the peer only stops being
    /// asked for altnet for a while.
    func disconnectPeer(_ params: DisconnectPeerParams, context: DriverContext) async throws {
        guard let poller = lock.withLock({ running?.poller }) else { throw DriverProtocolError(.peerUnavailable, "not started") }
        guard hub.carriesAltnet(params.peer) else {
            throw DriverProtocolError(.peerUnavailable, "peer \(params.peer.prefix(66)) does not carry altnet")
        }
        context.logger.warning("no altnet with \(params.peer.prefix(66)) for \(PeerPoller.muteTime) at the core's request (its Lightning connection stays): \(params.reason.prefix(200))")
        await poller.mute(params.peer)
    }

    func stop(context: DriverContext) async {
        let started = lock.withLock { tasks }
        for task in started { task.cancel() }
    }
}
