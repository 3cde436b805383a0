import BIP324
import BIP324DriverCore
import BitcoinPrimitives
import Foundation
import Logging
import NIOCore
import NIOPosix

/// Keeps one outbound connection to a configured peer: connects, runs the session until it ends,
/// then reconnects with exponential backoff (1 s doubling to 60 s; back to 1 s after a
/// connection that lasted a minute). With `v1Fallback`, a peer that closes a v2 attempt before
/// sending a single byte (what a v1-only node does with our key) is retried at once in plaintext
/// v1, and stays v1 from then on; the log says so.
struct PeerConnector: Sendable {
    let target: HostPort
    let networkMagic: [UInt8]
    let group: any EventLoopGroup
    let registry: PeerRegistry
    let logger: Logger
    let timeouts: PeerTimeouts
    var limits = PeerLimits()
    let v1Fallback: Bool
    /// Discovery's hooks for this peer (nil: a `connect=` peer, no discovery).
    var gossip: PeerGossip?
    /// The SOCKS5 proxy to go through (`proxy`, or `onion` for a .onion target).
    var proxy: HostPort?

    /// One connection (and, under `v1fallback`, its v1 retry): returns when it has ended.
    /// Used by ``OutboundManager`` for the peers it picks.
    func runOnce() async {
        let report = ConnectionReport()
        await connectAndWait(v1: false, report: report)
        guard report.connected, !report.receivedBytes else { return }
        if v1Fallback {
            logger.warning("peer \(target): closed the v2 handshake without a byte: not a v2 peer; falling back to v1 (plaintext) as v1fallback allows")
            await connectAndWait(v1: true, report: ConnectionReport())
        } else {
            logger.info("peer \(target): closed the v2 handshake without a byte: a v1-only node? (v1fallback is off)")
        }
    }

    private func connectAndWait(v1: Bool, report: ConnectionReport) async {
        do {
            let channel = try await connect(v1: v1, report: report)
            try? await withTaskCancellationHandler {
                try await channel.closeFuture.get()
            } onCancel: {
                channel.close(promise: nil)
            }
        } catch {
            logger.warning("peer \(target): cannot connect: \(error)")
        }
    }

    /// Runs until the task is cancelled.
    func run() async {
        var backoff = Backoff(base: .seconds(1), cap: .seconds(60), jitter: 0.2)
        var useV1 = false
        while !Task.isCancelled {
            let started = ContinuousClock.now
            let report = ConnectionReport()
            await connectAndWait(v1: useV1, report: report)
            if v1Fallback, !useV1, report.connected, !report.receivedBytes {
                useV1 = true
                logger.warning("peer \(target): closed the v2 handshake without a byte: not a v2 peer; falling back to v1 (plaintext) as v1fallback allows")
                continue
            }
            if ContinuousClock.now - started > .seconds(60) { backoff.reset() }
            let delay = backoff.next()
            logger.info("peer \(target): reconnecting in \(delay)")
            do { try await Task.sleep(for: delay) } catch { return }
        }
    }

    private func connect(v1: Bool, report: ConnectionReport) async throws -> any Channel {
        let nonce = UInt64.random(in: 1...UInt64.max)
        let now = Int64(Date().timeIntervalSince1970)
        let session = v1
            ? PeerSession(v1Magic: try NetworkMagic(wireBytes: networkMagic), nonce: nonce, unixTime: now)
            : PeerSession(transport: try BIP324Transport(role: .initiator, networkMagic: networkMagic), nonce: nonce, unixTime: now)
        let id = target.description
        let (registry, logger, timeouts, limits, gossip, target, proxy) = (
            self.registry, self.logger, self.timeouts, self.limits, self.gossip, self.target, self.proxy)
        let dialled = proxy ?? target
        return try await ClientBootstrap(group: group)
            .connectTimeout(.seconds(10))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if proxy != nil {
                        try channel.pipeline.syncOperations.addHandler(SOCKS5ClientHandler(target: target))
                    }
                    try channel.pipeline.syncOperations.addHandler(PeerChannelHandler(
                        id: id, address: id, direction: .outbound, session: session, registry: registry, logger: logger,
                        timeouts: timeouts, limits: limits, report: report, gossip: gossip))
                }
            }
            .connect(host: dialled.host, port: dialled.port)
            .get()
    }
}

/// What one connection attempt got to: the connector reads it afterwards to decide on v1 fallback.
final class ConnectionReport: @unchecked Sendable {
    // @unchecked: fields guarded by `lock`.
    private let lock = NSLock()
    private var _connected = false
    private var _receivedBytes = false

    var connected: Bool { lock.withLock { _connected } }
    var receivedBytes: Bool { lock.withLock { _receivedBytes } }
    func markConnected() { lock.withLock { _connected = true } }
    func markReceived() { lock.withLock { _receivedBytes = true } }
}
