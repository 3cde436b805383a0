import CLNDriverCore
import DriverKit
import DriverProtocol
import JSON
import LightningDriverCore
import Logging

/// Keeps the driver's peers in step with lightningd's: `listpeers` every `listpeers_ms` (and at
/// once when a message comes from a peer not yet known), each change reported to the hub, the
/// sender and the core (`peerconnected` / `peerdisconnected`). Only peers whose `init` features
/// have the altnet bit carry altnet messages; the others are listed with `"altnet": false`.
actor PeerPoller {
    private let rpc: LightningRPCClient
    private let hub: AltnetHub
    private let sender: CustomMessageSender
    private let context: DriverContext
    private var tracker = CLNPeerTracker()
    /// Peers the core asked to drop (`disconnectpeer`): carried as plain peers until then. The
    /// Lightning connection itself is the operator's and stays.
    private var muted: [String: ContinuousClock.Instant] = [:]
    private var lastPoll: ContinuousClock.Instant?
    private var reachable: Bool?

    /// How long a peer dropped by the core stays without altnet.
    static let muteTime: Duration = .seconds(600)
    /// Muted peers remembered at most.
    static let maxMuted = 10_000

    init(rpc: LightningRPCClient, hub: AltnetHub, sender: CustomMessageSender, context: DriverContext) {
        self.rpc = rpc
        self.hub = hub
        self.sender = sender
        self.context = context
    }

    /// The peers now, as the driver lists them.
    var peerInfos: [PeerInfo] {
        tracker.peers.values.sorted { $0.id < $1.id }.map {
            PeerInfo(id: $0.id, address: $0.address, direction: .outbound, altnet: $0.altnet)
        }
    }

    /// Asks lightningd now, unless it was asked within `fresh`.
    func poll(unlessWithin fresh: Duration = .zero) async {
        let now = ContinuousClock.now
        if let lastPoll, now - lastPoll < fresh { return }
        lastPoll = now
        do {
            let result = try await rpc.call("listpeers", .object([]))
            let peers = try CLNPeer.connected(inListPeers: result)
            if reachable != true { context.logger.info("lightningd answers listpeers: \(peers.count) connected, \(peers.filter(\.altnet).count) with altnet") }
            reachable = true
            apply(peers)
        } catch {
            if reachable != false { context.logger.warning("lightningd unreachable (\(rpc.path)): \(error); retrying every poll") }
            reachable = false
            apply([])
        }
    }

    /// Marks a peer as not carrying altnet for ``muteTime``.
    func mute(_ peer: String) {
        let now = ContinuousClock.now
        muted = muted.filter { $0.value > now }
        guard muted.count < Self.maxMuted else { return }
        muted[peer] = now + Self.muteTime
        apply(tracker.peers.values.map { $0 })
    }

    private func apply(_ listed: [CLNPeer]) {
        let now = ContinuousClock.now
        let peers = listed.map { peer in
            muted[peer.id].map { $0 > now } == true ? CLNPeer(id: peer.id, altnet: false, address: peer.address) : peer
        }
        let (left, came) = tracker.update(peers)
        for id in left {
            sender.remove(id)
            hub.disconnect(id)
            try? context.peerDisconnected(id, reason: "left lightningd's peers (or its altnet bit changed)")
        }
        for peer in came {
            hub.connect(peer.id, altnet: peer.altnet)
            if peer.altnet { sender.add(peer.id) }
            context.logger.info("\(peer.altnet ? "altnet" : "plain Lightning") peer \(peer.id.prefix(16)) of lightningd\(peer.altnet ? "" : ": no altnet feature bit, never sent an altnet message")")
            try? context.peerConnected(PeerInfo(id: peer.id, address: peer.address, direction: .outbound, altnet: peer.altnet))
        }
    }

    /// Polls until cancelled.
    func run(every interval: Duration) async {
        while !Task.isCancelled {
            await poll()
            try? await Task.sleep(for: interval)
        }
    }
}
