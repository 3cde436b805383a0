import DriverProtocol

/// What went wrong asking one source, classified for the driver protocol's error kinds.
public enum EsploraSourceError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The transport failed (after retries, for what is retried).
    case transport(EsploraTransportError)
    /// The server answered with this status (404 for something it does not have).
    case status(Int, String)
    /// The server answered 200 with something that is not what the endpoint returns.
    case malformed(String)

    public var description: String {
        switch self {
        case .transport(let e): e.description
        case .status(let code, let text): "HTTP \(code)\(text.isEmpty ? "" : ": \(text)")"
        case .malformed(let why): "malformed answer: \(why)"
        }
    }

    /// True for a 404: the source does not know the thing asked for.
    public var isNotFound: Bool { if case .status(404, _) = self { true } else { false } }

    /// The same failure as a driver-protocol error for the core.
    /// - Parameter source: the source's id, for the message.
    public func protocolError(source: String) -> DriverProtocolError {
        switch self {
        case .transport(.timeout): DriverProtocolError(.timeout, "\(source): \(description)")
        default: DriverProtocolError(.peerUnavailable, "\(source): \(description)")
        }
    }
}
