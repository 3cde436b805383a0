import BitcoinPrimitives
import BOLT8
import Foundation
import DriverKit
import DriverProtocol
import LightningDriverCore
import Logging
import NIOCore
import NIOPosix
import Secp256k1

/// The driver's sockets: one listener and one dialler per `connect` target, each a task.
struct LightningNetwork: Sendable {
    let connection: Connection
    let logger: Logger
    /// The longest wait between reconnection attempts (`reconnect_max_ms`).
    let reconnectMax: Duration

    /// Reconnection backoff: doubling from `baseDelay` up to `reconnectMax`, +/- 20 % jitter
    /// (never above `reconnectMax`); back to the base once a link has stayed up `stableUptime`.
    static let baseDelay: Duration = .milliseconds(250)
    static let stableUptime: Duration = .seconds(30)
    /// Inbound connections served at once (each handshake costs the core an ECDH); more are
    /// closed (`max_inbound`, default 64).
    var maxInbound = 64

    /// Binds the listener (so `init` fails on a taken port) and returns the accept loop to run.
    /// - Returns: the bound `HOST:PORT` (the port the OS picked when asked for 0) and the loop.
    /// - Throws: the bind error.
    func listen(host: String, port: Int) async throws -> (address: String, run: @Sendable () async -> Void) {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .bind(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        let bound = server.channel.localAddress?.port ?? port
        let address = host.contains(":") ? "[\(host)]:\(bound)" : "\(host):\(bound)"
        logger.info("listening on \(address)")
        let connection = self.connection
        let logger = self.logger
        let maxInbound = self.maxInbound
        return (address, {
            do {
                try await server.executeThenClose { inbound in
                    await withDiscardingTaskGroup { group in
                        do {
                            let slots = InboundSlots(limit: maxInbound)
                            for try await child in inbound {
                                let raw = child.channel
                                let from = raw.remoteAddress?.ipAddress ?? "?"
                                let ticket: InboundSlots.Ticket
                                switch slots.admit(address: from, evict: { raw.close(promise: nil) }) {
                                case .admitted(let t):
                                    ticket = t
                                case .admittedByEvicting(let t, let evicted):
                                    ticket = t
                                    logger.warning("max_inbound (\(maxInbound)) reached: closed the oldest connection from \(evicted) that had not sent init, for one from \(from)")
                                case .full:
                                    logger.warning("refused an inbound connection from \(from): \(maxInbound) already open (max_inbound)")
                                    try? await raw.close()
                                    continue
                                }
                                group.addTask {
                                    defer { slots.release(ticket) }
                                    let reason = await connection.run(child, role: .responder, direction: .inbound) { slots.proven(ticket) }
                                    logger.info("inbound link ended: \(reason)")
                                }
                            }
                        } catch {
                            logger.warning("listener stopped: \(error)")
                        }
                        group.cancelAll()
                    }
                }
            } catch {
                logger.warning("listener closed: \(error)")
            }
        })
    }

    /// Keeps a link to `target` up until cancelled, reconnecting with backoff.
    func keepConnected(_ target: LightningOptions.Target) async {
        guard let remote = try? PublicKey(serialized: target.nodeID) else { return }
        var backoff = Backoff(base: Self.baseDelay, cap: reconnectMax, jitter: 0.2)
        while !Task.isCancelled {
            let began = ContinuousClock.now
            do {
                let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                    .channelOption(.socketOption(.tcp_nodelay), value: 1)
                    .connectTimeout(.seconds(10))
                    .connect(host: target.host, port: target.port) { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                        }
                    }
                let reason = await connection.run(channel, role: .initiator(remoteStatic: remote), direction: .outbound)
                logger.info("outbound link to \(target.host):\(target.port) ended: \(reason)")
            } catch {
                logger.info("connect to \(target.host):\(target.port) failed: \(error)")
            }
            if ContinuousClock.now - began >= Self.stableUptime { backoff.reset() }
            guard !Task.isCancelled else { return }
            let delay = backoff.next()
            let capped = backoff.atCap ? ", at the cap" : ""
            logger.info("reconnecting to \(target.host):\(target.port) in \(delay.milliseconds) ms (attempt \(backoff.attempt)\(capped); at most \(backoff.cap.milliseconds) ms)")
            try? await Task.sleep(for: delay)
        }
    }
}
