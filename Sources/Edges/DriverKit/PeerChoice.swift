import DriverProtocol

/// Which peer a `sendmessage` goes to, the same rule in every driver (docs/driver-protocol.md,
/// "How the core fans out"):
///
/// - `peer` given: that peer and no other. A peer the driver does not know, or knows but cannot
///   use yet (handshake not done, no altnet feature bit), is an error the core can act on
///   (``DriverProtocolError/Kind/peerUnavailable``), never a silent substitute.
/// - `peer` absent: one of the ready peers, uniformly at random. Not the first connected and not
///   the lowest id: a peer that connects first, or grinds a node id that sorts first, would
///   otherwise answer every request the core leaves to the driver (issue 14).
public enum PeerChoice {
    /// - Parameters:
    ///   - requested: the request's `peer` (``SendMessageParams/peer``).
    ///   - ready: the ids of the peers that can carry the message now.
    ///   - rng: the randomness for an unaddressed request.
    /// - Returns: the peer to use, or nil when there is none: `requested` is not among `ready`, or
    ///   `ready` is empty.
    public static func pick<R: RandomNumberGenerator>(requested: String?, ready: [String], using rng: inout R) -> String? {
        if let requested { return ready.contains(requested) ? requested : nil }
        return ready.randomElement(using: &rng)
    }

    /// ``pick(requested:ready:using:)`` with the system's randomness.
    public static func pick(requested: String?, ready: [String]) -> String? {
        var rng = SystemRandomNumberGenerator()
        return pick(requested: requested, ready: ready, using: &rng)
    }

    /// The error for a request no peer could take.
    /// - Parameters:
    ///   - requested: the request's `peer`.
    ///   - known: true when the driver knows `requested` but cannot use it (say why in `why`).
    ///   - why: for a known peer, why it cannot carry the message (e.g. "its handshake is not done").
    /// - Returns: a ``DriverProtocolError/Kind/peerUnavailable`` error naming the peer.
    public static func unavailable(requested: String?, known: Bool = false, why: String? = nil) -> DriverProtocolError {
        guard let requested else { return DriverProtocolError(.peerUnavailable, "no ready peer") }
        let name = String(requested.prefix(80))
        if known { return DriverProtocolError(.peerUnavailable, "peer \(name) is not ready\(why.map { ": \($0)" } ?? "")") }
        return DriverProtocolError(.peerUnavailable, "no peer \(name) (not connected, or unknown to this driver)")
    }
}
