import BitcoinPrimitives
import BOLT8
import DriverKit
import DriverProtocol
import LightningAltnetMessages
import LightningDriverCore
import Logging
import NIOCore

/// Runs one TCP connection as a Lightning link: the socket side of a ``BOLT8PeerSession`` (the
/// handshake, `init`, pings and their deadlines are the session's) feeding the driver's
/// ``AltnetHub``. One writer task writes the session's packets in order; the reader feeds bytes
/// to the session and acts on its events; a timer task asks the session about its deadlines.
struct Connection: Sendable {
    let nodeKey: CoreNodeKey
    let peers: PeerTable
    let hub: AltnetHub
    let context: DriverContext
    /// The link's deadlines and caps.
    let settings: BOLT8PeerSession.Settings

    /// BOLT 8 handshake deadline.
    static let handshakeTimeout: Duration = .seconds(30)
    /// How often the link's deadlines (init, pong, reassembly) are checked.
    static let tick: Duration = .milliseconds(250)

    /// Runs the link until it ends.
    /// - Parameters:
    ///   - channel: the connected socket.
    ///   - role: initiator (we dialled a node id) or responder.
    ///   - direction: as reported to the core.
    ///   - onInit: called once the peer's `init` has arrived (its inbound slot is then proven).
    /// - Returns: why it ended, for the log.
    func run(_ channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>, role: Handshake.Role,
             direction: PeerInfo.Direction, onInit: @escaping @Sendable () -> Void = {}) async -> String {
        let address = channel.channel.remoteAddress.flatMap { remote in
            remote.ipAddress.map { "\($0):\(remote.port ?? 0)" }
        }
        let raw = channel.channel
        let deadline = Task {
            try await Task.sleep(for: Self.handshakeTimeout)
            raw.close(promise: nil)
        }
        do {
            try await channel.executeThenClose { inbound, outbound in
                var reader = inbound.makeAsyncIterator()
                let (session, events) = try await handshake(role, reader: &reader, outbound: outbound)
                deadline.cancel()
                let link = OpenLink(connection: self, address: address, direction: direction, onInit: onInit)
                try await link.serve(session, events, reader: &reader, outbound: outbound) {
                    raw.close(promise: nil)
                }
            }
            return "closed"
        } catch {
            deadline.cancel()
            return "\(error)"
        }
    }

    /// Drives the session's handshake over the socket, asking the core for the node key's ECDH.
    /// - Returns: the open session and the events that came after its handshake in the same read.
    private func handshake(
        _ role: Handshake.Role, reader: inout NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator,
        outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    ) async throws -> (BOLT8PeerSession, [BOLT8PeerEvent]) {
        var session = BOLT8PeerSession(role: role, localStatic: nodeKey.publicKey, settings: settings)
        var events = try session.start(now: .now)
        while true {
            for packet in session.takePackets() {
                try await outbound.write(ByteBuffer(bytes: packet.bytes))
                session.didWrite(packet.messageBytes)
            }
            if let done = events.firstIndex(where: { if case .handshakeComplete = $0 { true } else { false } }) {
                return (session, Array(events[(done + 1)...]))
            }
            if case .needStaticECDH(let point)? = events.first {
                let secret: [UInt8]
                do {
                    secret = try await nodeKey.ecdh(point)
                } catch {
                    throw LinkError.transport(.nodeKeyFailed(String(describing: error)))
                }
                events = try session.resume(staticECDH: secret, now: .now)
                continue
            }
            guard let chunk = try await reader.next() else { throw session.endOfInput() }
            events = try session.receive(chunk.getBytes(at: chunk.readerIndex, length: chunk.readableBytes) ?? [], now: .now)
        }
    }
}
