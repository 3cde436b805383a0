import BIP324
import BIP324DriverCore
import BitcoinPrimitives
import DriverKit
import Foundation
import Logging
import NIOCore
import NIOPosix

/// Accepts inbound v2 peers on `listen=HOST:PORT`: each connection gets a responder transport and
/// the same session and checks as outbound peers. Its id is the remote `IP:PORT`. With
/// `v1Fallback`, a peer that opens with v1's version message is served in plaintext v1. At most
/// ``PeerLimits/maxInbound`` connections are open at once; more are closed as they are accepted.
enum PeerListener {
    /// Binds and starts accepting.
    /// - Returns: the listening channel (close it to stop).
    /// - Throws: when the address cannot be bound.
    static func start(
        on target: HostPort, networkMagic: [UInt8], group: any EventLoopGroup, registry: PeerRegistry,
        logger: Logger, timeouts: PeerTimeouts, limits: PeerLimits = PeerLimits(), v1Fallback: Bool = false,
        discovery: Discovery? = nil
    ) async throws -> any Channel {
        let v1Magic = v1Fallback ? try NetworkMagic(wireBytes: networkMagic) : nil
        let open = InboundSlots(limit: limits.maxInbound)
        return try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let remote = channel.remoteAddress
                    let id = remote.map { address in
                        let ip = address.ipAddress ?? "?"
                        return ip.contains(":") ? "[\(ip)]:\(address.port ?? 0)" : "\(ip):\(address.port ?? 0)"
                    } ?? "inbound"
                    let address = remote.flatMap { r in r.ipAddress.flatMap { PeerAddress(host: $0, port: UInt16(clamping: r.port ?? 0)) } }
                    if let discovery, let address, discovery.isBanned(address) {
                        logger.info("refused inbound connection from \(id): banned")
                        throw InboundSlotsFull()
                    }
                    let ticket: InboundSlots.Ticket
                    switch open.admit(address: remote?.ipAddress ?? "?", evict: { channel.close(promise: nil) }) {
                    case .admitted(let t):
                        ticket = t
                    case .admittedByEvicting(let t, let evicted):
                        ticket = t
                        logger.warning("maxinbound (\(limits.maxInbound)) reached: closed the oldest connection from \(evicted) without a finished handshake, for \(id)")
                    case .full:
                        logger.warning("refused inbound connection from \(id): \(limits.maxInbound) inbound connections already open (maxinbound)")
                        throw InboundSlotsFull()
                    }
                    channel.closeFuture.whenComplete { _ in open.release(ticket) }
                    let transport = try BIP324Transport(role: .responder, networkMagic: networkMagic)
                    let session = PeerSession(
                        transport: transport, nonce: UInt64.random(in: 1...UInt64.max),
                        unixTime: Int64(Date().timeIntervalSince1970), acceptingV1With: v1Magic)
                    try channel.pipeline.syncOperations.addHandler(PeerChannelHandler(
                        id: id, address: id, direction: .inbound, session: session, registry: registry,
                        logger: logger, timeouts: timeouts, limits: limits, onReady: { open.proven(ticket) },
                        gossip: discovery?.gossip(for: address, direction: .inbound, origin: .inbound)))
                }
            }
            .bind(host: target.host, port: target.port)
            .get()
    }
}

/// Thrown from the child initializer to close a connection refused at accept.
struct InboundSlotsFull: Error {}
