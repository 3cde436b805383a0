import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// altnetd's control cookie, as bitcoind does it: `DIR/.cookie` holds `__cookie__:<64 hex>`,
/// mode 0600, rewritten at every start and deleted at a clean exit. Whoever can read the file
/// may control the daemon; HTTP Basic auth carries it.
public struct ControlCookie: Sendable, Equatable {
    /// The user name bitcoind uses for cookie auth.
    public static let user = "__cookie__"
    /// The file name inside the data directory.
    public static let fileName = ".cookie"

    /// 64 hex characters (32 random bytes).
    public let secret: String

    /// A fresh cookie from the system's secure random generator.
    public init() {
        var rng = SystemRandomNumberGenerator()
        secret = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &rng)) }.joined()
    }

    /// A cookie with a known secret (a client that read the file).
    public init(secret: String) { self.secret = secret }

    /// The file's text, `__cookie__:<secret>`.
    public var fileText: String { "\(Self.user):\(secret)" }

    /// The `Authorization` header value.
    public var authorization: String { "Basic " + Data(fileText.utf8).base64EncodedString() }

    /// Writes the cookie with mode 0600 (to a temporary file renamed into place, so a reader never
    /// sees half a cookie).
    /// - Parameter path: the cookie path.
    /// - Throws: ``ControlError`` naming the path and errno.
    public func write(to path: String) throws(ControlError) {
        let temporary = path + ".tmp"
        unlink(temporary)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw ControlError.system("cannot create \(temporary)", errno) }
        let bytes = Array(fileText.utf8)
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        let syncError = fsync(fd) == 0 ? 0 : errno
        close(fd)
        guard written == bytes.count, syncError == 0 else {
            unlink(temporary)
            throw ControlError.system("cannot write \(temporary)", syncError == 0 ? EIO : syncError)
        }
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw ControlError.system("cannot rename \(temporary) to \(path)", code)
        }
    }

    /// Reads a cookie file.
    /// - Parameter path: the cookie path.
    /// - Returns: the cookie.
    /// - Throws: ``ControlError`` when the file is missing, unreadable or malformed.
    public static func read(from path: String) throws(ControlError) -> ControlCookie {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ControlError(kind: .cookieUnreadable, message: "cannot read the cookie file \(path): \(Self.reason(path))")
        }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let prefix = user + ":"
        guard trimmed.hasPrefix(prefix), trimmed.count > prefix.count, trimmed.count <= 256 else {
            throw ControlError(kind: .cookieUnreadable, message: "the cookie file \(path) is not __cookie__:<secret>")
        }
        return ControlCookie(secret: String(trimmed.dropFirst(prefix.count)))
    }

    /// Whether an `Authorization` header carries this cookie, compared in constant time.
    /// - Parameter header: the header value, or nil when absent.
    /// - Returns: true when it matches.
    public func accepts(authorization header: String?) -> Bool {
        guard let header else { return false }
        return Self.constantTimeEqual(Array(header.utf8), Array(authorization.utf8))
    }

    /// Compares two byte strings in time that depends only on their lengths.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(truncatingIfNeeded: a.count ^ b.count)
        let count = max(a.count, b.count)
        for i in 0..<count {
            let x = i < a.count ? a[i] : 0
            let y = i < b.count ? b[i] : 0
            difference |= x ^ y
        }
        return difference == 0
    }

    private static func reason(_ path: String) -> String {
        access(path, F_OK) != 0 ? "no such file" : access(path, R_OK) != 0 ? "permission denied" : "unreadable"
    }
}
