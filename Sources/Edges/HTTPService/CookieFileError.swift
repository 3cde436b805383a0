#if canImport(Glibc)
import Glibc
#endif

/// Why a ``CookieFile`` could not be written or read: the path and the reason, for one line
/// to the operator.
public struct CookieFileError: Error, CustomStringConvertible, Sendable {
    public let path: String
    public let reason: String

    init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    init(path: String, action: String, errno code: Int32) {
        self.init(path: path, reason: "cannot \(action): \(String(cString: strerror(code)))")
    }

    public var description: String { "cookie file \(path): \(reason)" }
}
