import BitcoinPrimitives
import DriverKit
import DriverProtocol
import LightningAltnetMessages

/// The altnet side of a Lightning driver, whatever carries its messages: Lightning messages
/// (type, payload) by peer id in, Lightning messages by peer id and driver-protocol events out.
/// Sans I/O, no clock of its own (`now` is passed in), one value for all peers.
///
/// A carrier (docs/driver-lightning.md, "Session core and carriers") reports peers as they come
/// (``connect(_:altnet:)``: whether their `init` set the altnet feature bit) and go
/// (``disconnect(_:)``), hands over every altnet-typed message a peer sent (``receive(_:from:now:)``),
/// and delivers what ``send(_:to:)``, ``request(_:to:expect:)`` and ``broadcast(_:)`` return.
/// Here: the altnet capability per peer (messages to and from peers without the bit are refused
/// and ignored), fragmentation (one ``AltnetEncoder`` per peer), bounded reassembly (one
/// ``AltnetReassembler`` per peer), and reply pairing (``ExpectedReply``: a reply goes to the
/// oldest request from that peer it answers; everything else is a `messagereceived`).
public struct AltnetSession: Sendable {
    public typealias Instant = ContinuousClock.Instant

    /// A `sendmessage` waiting for its reply.
    public struct RequestID: Hashable, Sendable, CustomStringConvertible {
        let value: Int
        public var description: String { "request \(value)" }
    }

    struct Peer: Sendable {
        let altnet: Bool
        var encoder: AltnetEncoder
        var reassembler: AltnetReassembler<Instant>
    }

    struct Pending: Sendable {
        let id: RequestID
        let peer: String
        let expected: ExpectedReply
    }

    /// What each peer may make us hold while reassembling.
    public let limits: AltnetReassemblyLimits
    let fragmentDataSize: Int
    var peers: [String: Peer] = [:]
    /// Requests waiting for a reply, oldest first.
    var pending: [Pending] = []
    var lastRequest = 0

    /// - Parameters:
    ///   - limits: reassembly limits per peer (docs/lightning-messages.md section 6).
    ///   - fragmentDataSize: data bytes per fragment (smaller only in tests).
    public init(limits: AltnetReassemblyLimits = AltnetReassemblyLimits(),
                fragmentDataSize: Int = AltnetWire.maxFragmentData) {
        self.limits = limits
        self.fragmentDataSize = fragmentDataSize
    }

    // MARK: - Peers

    /// A peer's link is up. A peer already known keeps its state (the carrier refuses a second
    /// link to the same node before it gets here).
    /// - Parameters:
    ///   - peer: its id (the node id, hex).
    ///   - altnet: whether its `init` set feature bit 420 or 421.
    public mutating func connect(_ peer: String, altnet: Bool) {
        guard peers[peer] == nil else { return }
        peers[peer] = Peer(altnet: altnet, encoder: AltnetEncoder(fragmentDataSize: fragmentDataSize),
                           reassembler: AltnetReassembler(limits: limits))
    }

    /// A peer's link ended: its partial messages are released.
    /// - Returns: the requests that were waiting for it (they get no reply).
    public mutating func disconnect(_ peer: String) -> [RequestID] {
        peers[peer] = nil
        let gone = pending.filter { $0.peer == peer }.map(\.id)
        pending.removeAll { $0.peer == peer }
        return gone
    }

    /// Whether `peer` is connected (altnet or plain).
    public func isConnected(_ peer: String) -> Bool { peers[peer] != nil }

    /// Whether `peer` is connected and carries altnet messages.
    public func carriesAltnet(_ peer: String) -> Bool { peers[peer]?.altnet == true }

    /// The connected altnet peers, by id.
    public var altnetPeers: [String] { peers.filter(\.value.altnet).keys.sorted() }

    /// The peer a `sendmessage` goes to (``PeerChoice``): the named one, and only when it carries
    /// altnet; with none named, an altnet peer at random.
    /// - Parameters:
    ///   - requested: the request's `peer`.
    ///   - rng: randomness for an unaddressed request.
    /// - Throws: `peerUnavailable` naming why no peer fits.
    public func choosePeer<R: RandomNumberGenerator>(_ requested: String?, using rng: inout R) throws(DriverProtocolError) -> String {
        if let chosen = PeerChoice.pick(requested: requested, ready: altnetPeers, using: &rng) { return chosen }
        guard let requested else { throw DriverProtocolError(.peerUnavailable, "no altnet peer connected") }
        throw PeerChoice.unavailable(
            requested: String(requested.prefix(66)), known: isConnected(requested),
            why: "a plain Lightning peer (no altnet feature bit): it gets no altnet messages")
    }

    // MARK: - Sending

    /// Encodes a message for one peer: one `altnet_message`, or its fragments in order. The
    /// carrier sends all of them or none (a refused message leaves a gap in the fragment ids,
    /// which receivers do not mind).
    /// - Returns: nil when `peer` is not connected or does not carry altnet.
    public mutating func send(_ message: AltnetMessage, to peer: String) -> AltnetOutgoing? {
        guard peers[peer]?.altnet == true else { return nil }
        return AltnetOutgoing(peer: peer, messages: peers[peer]!.encoder.encode(message))
    }

    /// ``send(_:to:)`` to every altnet peer (`broadcasttx`).
    public mutating func broadcast(_ message: AltnetMessage) -> [AltnetOutgoing] {
        altnetPeers.compactMap { send(message, to: $0) }
    }

    /// Sends a request and remembers what answers it: one of `expect`, and for getdata,
    /// getheaders and ping its own block, tx, notfound, headers or pong (``ExpectedReply``).
    /// - Returns: the request's id (its reply comes as ``AltnetSessionEvent/reply(_:_:)``) and
    ///   what to send; nil when `peer` does not carry altnet.
    public mutating func request(_ message: AltnetMessage, to peer: String,
                                 expect: Set<String>) -> (id: RequestID, outgoing: AltnetOutgoing)? {
        guard let outgoing = send(message, to: peer) else { return nil }
        lastRequest += 1
        let id = RequestID(value: lastRequest)
        pending.append(Pending(id: id, peer: peer,
                               expected: ExpectedReply(request: message.command, payload: message.payload, expect: expect)))
        return (id, outgoing)
    }

    /// Forgets a request (timed out, or its messages were refused by the carrier).
    public mutating func cancel(_ id: RequestID) {
        pending.removeAll { $0.id == id }
    }

    /// Requests waiting for a reply.
    public var pendingRequests: Int { pending.count }

    /// Whether request `id` still waits (not answered, cancelled, or its peer gone).
    public func isPending(_ id: RequestID) -> Bool { pending.contains { $0.id == id } }

    /// Drops every peer's partial messages past their deadline (the carrier's timer).
    /// - Returns: one event per dropped message, for the log.
    public mutating func expire(now: Instant) -> [AltnetSessionEvent] {
        peers.keys.sorted().flatMap { expire($0, now: now) }
    }

    /// Drops one peer's partial messages past their deadline (a per-link timer).
    /// - Returns: one event per dropped message, for the log.
    public mutating func expire(_ peer: String, now: Instant) -> [AltnetSessionEvent] {
        guard peers[peer] != nil else { return [] }
        return peers[peer]!.reassembler.expire(now: now).map { AltnetSessionEvent.dropped(peer: peer, $0) }
    }

    /// Fragment bytes held for `peer`.
    public func bufferedBytes(from peer: String) -> Int { peers[peer]?.reassembler.bufferedByteCount ?? 0 }
}
