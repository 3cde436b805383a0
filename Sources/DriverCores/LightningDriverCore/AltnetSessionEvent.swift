import DriverProtocol
import LightningAltnetMessages

/// Lightning messages for one peer, in the order they must be sent.
public struct AltnetOutgoing: Equatable, Sendable {
    /// The peer's id.
    public let peer: String
    /// Type and payload of each message.
    public let messages: [LightningMessage]

    public init(peer: String, messages: [LightningMessage]) {
        self.peer = peer
        self.messages = messages
    }
}

/// What ``AltnetSession/receive(_:from:now:)`` and ``AltnetSession/expire(now:)`` report.
public enum AltnetSessionEvent: Equatable, Sendable {
    /// The reply to a request.
    case reply(AltnetSession.RequestID, AltnetMessage)
    /// A message for the core (`messagereceived`).
    case received(from: String, DriverP2PMessage)
    /// What to send back for a `tx` just received (``TxAcknowledgement``): the carrier delivers it
    /// after handing the `tx` to the core; it follows that `received` event.
    case acknowledge(AltnetOutgoing)
    /// A message given up, the link kept (limits, command not taken, deadline): log it.
    case dropped(peer: String, AltnetMessageError)
    /// A message from a peer that does not carry altnet: ignored, for a debug log.
    case ignored(String)
}
