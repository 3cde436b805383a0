import BOLT8
import DriverProtocol

/// Why a Lightning link ended (a BOLT 8 carrier session's disconnect reason); the text goes to the
/// log and to `peerdisconnected`.
public enum LinkError: Error, Equatable, Sendable, CustomStringConvertible {
    case closedDuringHandshake
    case badECDHAnswer(Int)
    /// The handshake or the transport failed (a bad act, a tag that does not verify, too much
    /// input before the handshake ended).
    case transport(BOLT8Error)
    case firstMessageNotInit(UInt16)
    case wrongChain
    case notReading(Int)
    case alreadyConnected
    case peerError(String)
    case protocolViolation(String)
    case closed
    case noInit(Duration)
    case pongTimeout(Duration)

    public var description: String {
        switch self {
        case .closedDuringHandshake: "connection closed during the BOLT 8 handshake"
        case .badECDHAnswer(let count): "the core's ECDH answer is \(count) bytes, expected 32"
        case .transport(let error): "\(error)"
        case .firstMessageNotInit(let type): "first message was type \(type), not init (BOLT 1)"
        case .wrongChain: "peer's init networks do not include our chain"
        case .notReading(let queued): "peer stopped reading: \(queued) bytes queued for it, over the cap"
        case .alreadyConnected: "already connected to this node"
        case .peerError(let text): "peer sent error: \(LogText.escaped(text, limit: 200))"
        case .protocolViolation(let text): text
        case .closed: "connection closed by the peer"
        case .noInit(let after): "no init within \(after.milliseconds) ms of the BOLT 8 handshake (init_timeout_ms)"
        case .pongTimeout(let after): "ping not answered within \(after.milliseconds) ms (pong_timeout_ms)"
        }
    }
}
