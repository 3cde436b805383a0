import DriverKit
import DriverProtocol
import LightningAltnetMessages
import LightningDriverCore
import Logging
import NIOCore

/// A link past its handshake: registers the peer once its `init` is in, hands altnet messages to
/// the ``AltnetHub`` and what they complete to the core, and ends the link on the session's
/// errors and deadlines.
///
/// ```
///  handshaken ─ init both ways, same chain ─┬─ bit 421 ─► registered (altnet)
///      │                                    └─ no bit ──► registered (plain)
///      └── wrong chain / error ──► closed ◄── even unknown type, fragment violation,
///                                            no init or pong in time, not reading, EOF
/// ```
struct OpenLink {
    let connection: Connection
    let address: String?
    let direction: PeerInfo.Direction
    let onInit: @Sendable () -> Void

    /// Runs the link until it ends.
    /// - Parameters:
    ///   - session: the session, handshake done.
    ///   - early: events from the read that finished the handshake.
    ///   - closeChannel: closes the socket (ends the reader).
    /// - Throws: why it ended.
    func serve(
        _ session: BOLT8PeerSession, _ early: [BOLT8PeerEvent],
        reader: inout NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator,
        outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>, closeChannel: @escaping @Sendable () -> Void
    ) async throws {
        let peerID = session.peerID ?? "?"
        let context = connection.context
        let logger = {
            var logger = context.logger
            logger[metadataKey: "peer"] = "\(peerID.prefix(16))"
            return logger
        }()
        let (queue, continuation) = AsyncStream<BOLT8PeerSession.OutgoingPacket>.makeStream()
        let link = PeerLink(session: session, id: peerID, address: address, direction: direction, outgoing: continuation)
        let hub = connection.hub
        var registered = false
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await packet in queue {
                        // Returns once NIO has taken the packet; NIO holds at most its
                        // high-water mark before this waits for the socket.
                        try await outbound.write(ByteBuffer(bytes: packet.bytes))
                        link.didWrite(packet.messageBytes)
                    }
                    // The queue ends only when the link is closed (e.g. `disconnectpeer`): end the
                    // connection, so the reader sees it end too.
                    closeChannel()
                }
                group.addTask {
                    // Deadlines (init, pong, reassembly) and keep-alive pings. A missed deadline
                    // closes the socket (the reader, blocked on it, then ends the link) and names itself.
                    while !Task.isCancelled {
                        try await Task.sleep(for: Connection.tick)
                        for dropped in hub.expire(peerID, now: .now) { log(dropped, logger) }
                        if case .disconnect(let missed) = link.withSession({ $0.tick(now: .now) }) {
                            link.missed(missed)
                            closeChannel()
                            throw missed
                        }
                    }
                }
                defer { group.cancelAll() }
                var events = early
                while true {
                    for event in events {
                        try handle(event, link: link, registered: &registered, logger: logger)
                    }
                    guard let chunk = try await reader.next() else {
                        throw link.withSession { $0.endOfInput() }
                    }
                    events = try link.receive(chunk.getBytes(at: chunk.readerIndex, length: chunk.readableBytes) ?? [])
                }
            }
        } catch {
            let error: any Error = link.missedDeadline ?? error
            link.close()
            if registered {
                connection.peers.remove(link)
                hub.disconnect(peerID)
                try? context.peerDisconnected(peerID, reason: "\(error)")
            }
            logger.info("link ended: \(error)")
            throw error
        }
    }

    private func handle(_ event: BOLT8PeerEvent, link: PeerLink, registered: inout Bool, logger: Logger) throws {
        switch event {
        case .needStaticECDH, .handshakeComplete:
            break
        case .ready(let altnet):
            onInit()
            guard connection.peers.add(link) else { throw LinkError.alreadyConnected }
            connection.hub.connect(link.id, altnet: altnet)
            registered = true
            if altnet {
                logger.info("peer connected (\(link.direction.rawValue), \(link.address ?? "?"))")
            } else {
                logger.info("plain Lightning peer connected (\(link.direction.rawValue), \(link.address ?? "?")): no altnet feature bit, kept for ping/pong only")
            }
            try? connection.context.peerConnected(link.info(altnet: altnet))
        case .message(let message):
            let events: [AltnetSessionEvent]
            do throws(AltnetMessageError) {
                events = try connection.hub.receive(message, from: link.id, now: .now)
            } catch {
                throw LinkError.protocolViolation("altnet: \(error)")
            }
            for event in events {
                switch event {
                case .received(let peer, let message):
                    try? connection.context.messageReceived(from: peer, message)
                case .acknowledge(let ack):
                    // After the tx went to the core, on this link's own queue.
                    do throws(OutboundQueueFull) { _ = try connection.peers.deliver(ack) } catch { logger.debug("acknowledgement not sent: \(error)") }
                default:
                    log(event, logger)
                }
            }
        case .peerWarning(let text):
            logger.warning("peer warning: \(LogText.escaped(text, limit: 200))")
        case .ignored(let what):
            logger.debug("\(what)")
        case .pingFlood:
            logger.warning("ping flood: more than \(BOLT8PeerSession.pongsPerSecond) pings a second, ignoring the excess")
        }
    }

    private func log(_ event: AltnetSessionEvent, _ logger: Logger) {
        switch event {
        case .dropped(_, let error): logger.warning("altnet message dropped: \(error)")
        case .ignored(let what): logger.debug("\(what)")
        case .received, .reply, .acknowledge: break
        }
    }
}
