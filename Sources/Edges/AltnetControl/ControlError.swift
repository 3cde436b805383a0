#if canImport(Glibc)
import Glibc
#endif

/// A control-socket failure, with what the user should do about it.
public struct ControlError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// No socket: altnetd is not running for this data directory.
        case notRunning
        /// The caller may not reach the socket or the data directory (another user's daemon).
        case permissionDenied
        /// The cookie file cannot be read (altnetd not running, or no permission).
        case cookieUnreadable
        /// The daemon refused the cookie (HTTP 401).
        case unauthorized
        /// The connection failed or the reply was not HTTP/JSON-RPC.
        case transport
        /// A system call failed on the daemon's side.
        case system
        /// The daemon answered with a JSON-RPC error.
        case rpc(code: Int)
    }

    public let kind: Kind
    public let message: String

    public init(kind: Kind, message: String) {
        self.kind = kind
        self.message = message
    }

    static func system(_ what: String, _ code: Int32) -> ControlError {
        ControlError(kind: .system, message: "\(what): \(String(cString: strerror(code)))")
    }

    public var description: String { message }
}
