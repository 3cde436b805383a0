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
    /// Polls started and the newest whose answer was applied: an older answer arriving late
    /// (lightningd answered two polls out of order) is not applied over a newer one.
    private var started = 0
    private var applied = 0
    /// A refresh waiting out ``minimumGap``; callers arriving meanwhile wait for it.
    private var scheduled: Task<Void, Never>?

    /// The shortest time between two refreshes.
    static let minimumGap: Duration = .milliseconds(100)

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

    /// Asks lightningd now.
    func poll() async {
        lastPoll = .now
        started += 1
        let mine = started
        do {
            let result = try await rpc.call("listpeers", .object([]))
            let peers = try CLNPeer.connected(inListPeers: result)
            guard mine > applied else { return }
            applied = mine
            if reachable != true { context.logger.info("lightningd answers listpeers: \(peers.count) connected, \(peers.filter(\.altnet).count) with altnet") }
            reachable = true
            apply(peers)
        } catch {
            guard mine > applied else { return }
            applied = mine
            if reachable != false { context.logger.warning("lightningd unreachable (\(rpc.path)): \(error); retrying every poll") }
            reachable = false
            apply([])
        }
    }

    /// Returns once a `listpeers` that started after this call has been applied: for a message
    /// from a peer not known yet, or lightningd's word that a peer came or went. Refreshes are at
    /// least ``minimumGap`` apart; callers that arrive while one waits share it.
    func refresh() async {
        if let waiting = scheduled { return await waiting.value }
        let gap = lastPoll.map { Self.minimumGap - (ContinuousClock.now - $0) } ?? .zero
        let task = Task {
            if gap > .zero { try? await Task.sleep(for: gap) }
            await self.startScheduled()
        }
        scheduled = task
        await task.value
    }

    private func startScheduled() async {
        scheduled = nil
        await poll()
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
