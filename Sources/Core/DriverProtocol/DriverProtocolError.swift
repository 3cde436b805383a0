import JSON

/// An error of the driver protocol, carried on the wire as a JSON-RPC error object.
///
/// The kind tells the caller what to do: ``Kind/isRetryableElsewhere`` is what anycast reads to
/// decide whether another driver may succeed where this one failed.
public struct DriverProtocolError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, independent of the message text.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// The line was not JSON (JSON-RPC -32700).
        case parse
        /// JSON, but not a valid JSON-RPC 2.0 message (-32600).
        case invalidRequest
        /// The method is unknown to the receiver (-32601).
        case methodNotFound
        /// The params do not match the method's schema (-32602).
        case invalidParams
        /// The receiver failed while handling a valid request (-32603).
        case internalError
        /// A line exceeded ``DriverProtocolLimits/maxLineBytes`` (-32001).
        case oversizedLine
        /// No protocol version in common (-32002).
        case versionMismatch
        /// No answer within the request's deadline (-32003).
        case timeout
        /// No peer could carry the message, or the named peer is gone (-32004).
        case peerUnavailable
        /// The message kind lies outside the sender's declared capabilities (-32005).
        case capabilityBreach
        /// A request arrived before `init` completed (-32006).
        case notInitialized
        /// The driver process is not running, died, or was replaced while the request was in flight (-32007).
        case driverUnavailable
        /// The receiver is shutting down (-32008).
        case shuttingDown
        /// An error code this version does not know.
        case other

        /// The JSON-RPC error code on the wire.
        public var code: Int {
            switch self {
            case .parse: -32700
            case .invalidRequest: -32600
            case .methodNotFound: -32601
            case .invalidParams: -32602
            case .internalError: -32603
            case .oversizedLine: -32001
            case .versionMismatch: -32002
            case .timeout: -32003
            case .peerUnavailable: -32004
            case .capabilityBreach: -32005
            case .notInitialized: -32006
            case .driverUnavailable: -32007
            case .shuttingDown: -32008
            case .other: -32000
            }
        }

        /// The kind for a wire code; unknown codes are ``other``.
        public init(code: Int) {
            self = Kind.allCases.first { $0 != .other && $0.code == code } ?? .other
        }

        /// True when another driver (or a later attempt) may succeed: the failure belongs to this
        /// driver or this moment, not to the request. Invalid params or an unknown method would
        /// fail the same way everywhere speaking this version, so they are not retried.
        public var isRetryableElsewhere: Bool {
            switch self {
            case .invalidParams, .invalidRequest, .parse: false
            default: true
            }
        }
    }

    public let kind: Kind
    public let message: String
    /// The wire code; equal to `kind.code` unless the peer sent a code this version does not know.
    public let code: Int
    /// Optional structured detail from the wire.
    public let data: JSONValue?

    /// - Parameters:
    ///   - kind: what went wrong.
    ///   - message: a sentence for humans.
    ///   - data: optional structured detail.
    public init(_ kind: Kind, _ message: String, data: JSONValue? = nil) {
        self.kind = kind
        self.message = message
        self.code = kind.code
        self.data = data
    }

    /// Builds the error from a received JSON-RPC error object.
    public init(wire: RPCErrorObject) {
        self.kind = Kind(code: wire.code)
        self.message = wire.message
        self.code = wire.code
        self.data = wire.data
    }

    /// The JSON-RPC error object for the wire.
    public var wire: RPCErrorObject { RPCErrorObject(code: code, message: message, data: data) }

    public var description: String { "\(kind.rawValue) (\(code)): \(message)" }
}

/// A JSON-RPC 2.0 error object as it appears on the wire.
public struct RPCErrorObject: Codable, Sendable, Hashable {
    public var code: Int
    public var message: String
    public var data: JSONValue?

    public init(code: Int, message: String, data: JSONValue? = nil) {
        self.code = code
        self.message = message
        self.data = data
    }
}
