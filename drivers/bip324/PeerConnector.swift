import BIP324
import BIP324DriverCore
import Foundation
import Logging
import NIOCore
import NIOPosix

/// Keeps one outbound connection to a configured peer: connects, runs the session until it ends,
/// then reconnects with exponential backoff (1 s doubling to 60 s; back to 1 s after a
/// connection that lasted a minute).
struct PeerConnector: Sendable {
    let target: PeerTarget
    let networkMagic: [UInt8]
    let group: any EventLoopGroup
    let registry: PeerRegistry
    let logger: Logger
    let timeouts: PeerTimeouts

    /// Runs until the task is cancelled.
    func run() async {
        var backoff = Duration.seconds(1)
        while !Task.isCancelled {
            let started = ContinuousClock.now
            do {
                let channel = try await connect()
                try? await withTaskCancellationHandler {
                    try await channel.closeFuture.get()
                } onCancel: {
                    channel.close(promise: nil)
                }
            } catch {
                logger.warning("peer \(target): cannot connect: \(error)")
            }
            if ContinuousClock.now - started > .seconds(60) { backoff = .seconds(1) }
            logger.info("peer \(target): reconnecting in \(backoff)")
            do { try await Task.sleep(for: backoff) } catch { return }
            backoff = min(backoff * 2, .seconds(60))
        }
    }

    private func connect() async throws -> any Channel {
        let transport = try BIP324Transport(role: .initiator, networkMagic: networkMagic)
        let session = PeerSession(
            transport: transport, nonce: UInt64.random(in: 1...UInt64.max),
            unixTime: Int64(Date().timeIntervalSince1970))
        let id = target.description
        let (registry, logger, timeouts) = (self.registry, self.logger, self.timeouts)
        return try await ClientBootstrap(group: group)
            .connectTimeout(.seconds(10))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(PeerChannelHandler(
                        id: id, address: id, direction: .outbound, session: session, registry: registry, logger: logger, timeouts: timeouts))
                }
            }
            .connect(host: target.host, port: target.port)
            .get()
    }
}
