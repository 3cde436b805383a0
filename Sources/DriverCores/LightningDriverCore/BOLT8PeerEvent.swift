import LightningAltnetMessages
import Secp256k1

/// What a ``BOLT8PeerSession`` asks of its caller after a step.
public enum BOLT8PeerEvent: Equatable, Sendable {
    /// Compute the node key's ECDH with this point (the core's `signer.ecdh`) and call
    /// ``BOLT8PeerSession/resume(staticECDH:now:)`` with the answer.
    case needStaticECDH(PublicKey)
    /// The handshake authenticated the peer; our `init` is queued.
    case handshakeComplete(peerID: String)
    /// The peer's `init` arrived and names our chain (or no chain): the link is up. `altnet` is
    /// true when it sets feature bit 420 or 421; a peer without it gets pings and pongs only.
    case ready(altnet: Bool)
    /// A custom message of an altnet type, for the altnet session.
    case message(LightningMessage)
    /// The peer sent a BOLT 1 `warning` (its text, unescaped: escape before logging).
    case peerWarning(String)
    /// A message ignored by the rules (a second init, an unknown odd type), for a debug log.
    case ignored(String)
    /// The peer pings more than ``BOLT8PeerSession/pongsPerSecond`` times a second; the excess
    /// is ignored. Reported once per second at most.
    case pingFlood
}

/// What ``BOLT8PeerSession/tick(now:)`` decided.
public enum BOLT8KeepAlive: Equatable, Sendable {
    /// Nothing due.
    case wait
    /// A keep-alive ping was queued.
    case pinged
    /// A deadline passed (no init, no pong) or the peer stopped reading: close the link.
    case disconnect(LinkError)
}
