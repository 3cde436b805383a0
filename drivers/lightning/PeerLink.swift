import DriverProtocol
import Foundation
import LightningAltnetMessages
import LightningDriverCore

/// One connected Lightning peer as the rest of the driver sees it: its ``BOLT8PeerSession`` under
/// a lock, shared by the connection's reader, its timer and the driver's requests, and the queue of
/// encrypted packets for the connection's writer task. The session counts the bytes queued and
/// not yet handed to the socket (``BOLT8PeerSession/send(_:)`` refuses altnet messages past
/// `outbound_queue_bytes`); the writer gives them back with ``didWrite(_:)``.
final class PeerLink: @unchecked Sendable {
    // @unchecked: `session`, `deadlineMissed` are guarded by `lock`; the rest is immutable.
    let id: String
    let address: String?
    let direction: PeerInfo.Direction
    private let outgoing: AsyncStream<BOLT8PeerSession.OutgoingPacket>.Continuation
    private let lock = NSLock()
    private var session: BOLT8PeerSession
    /// Why a deadline ended the link (the reader only sees the socket close).
    private var deadlineMissed: LinkError?

    /// - Parameters:
    ///   - session: the session, its handshake done (`peerID` is `id`).
    ///   - address: the peer's transport address.
    ///   - direction: who dialled.
    ///   - outgoing: the connection writer's queue.
    init(session: BOLT8PeerSession, id: String, address: String?, direction: PeerInfo.Direction,
         outgoing: AsyncStream<BOLT8PeerSession.OutgoingPacket>.Continuation) {
        self.session = session
        self.id = id
        self.address = address
        self.direction = direction
        self.outgoing = outgoing
        withSession { _ in }
    }

    /// The peer as listed to the core.
    func info(altnet: Bool) -> PeerInfo {
        PeerInfo(id: id, address: address, direction: direction, altnet: altnet)
    }

    /// Runs `body` on the session under the lock, then hands the packets it queued to the
    /// writer in order.
    func withSession<T, E: Error>(_ body: (inout BOLT8PeerSession) throws(E) -> T) throws(E) -> T {
        lock.lock()
        defer { lock.unlock() }
        defer {
            for packet in session.takePackets() { outgoing.yield(packet) }
        }
        return try body(&session)
    }

    /// Bytes from the socket; see ``BOLT8PeerSession/receive(_:now:)``.
    func receive(_ bytes: [UInt8]) throws(LinkError) -> [BOLT8PeerEvent] {
        try withSession { (session) throws(LinkError) in try session.receive(bytes, now: .now) }
    }

    /// Queues an altnet message's Lightning messages: all or none.
    /// - Throws: ``OutboundQueueFull`` when they do not fit under `outbound_queue_bytes`.
    func send(_ messages: [LightningMessage]) throws(OutboundQueueFull) {
        try withSession { (session) throws(OutboundQueueFull) in try session.send(messages) }
    }

    /// The writer handed `count` message bytes to the socket.
    func didWrite(_ count: Int) {
        withSession { $0.didWrite(count) }
    }

    /// Records which deadline ended the link, for the reason logged and reported.
    func missed(_ deadline: LinkError) { lock.withLock { deadlineMissed = deadline } }
    var missedDeadline: LinkError? { lock.withLock { deadlineMissed } }

    /// Ends the link: the writer stops (and closes the socket).
    func close() {
        outgoing.finish()
    }
}
