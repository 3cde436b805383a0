#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// A cookie file as bitcoind writes one (src/rpc/request.cpp GenerateAuthCookie): the text
/// `__cookie__:` and 32 random bytes as 64 hex digits, mode 0600, written to a temporary file
/// renamed into place (a reader never sees half a cookie) and deleted at a clean exit. Whoever
/// can read the file may call the server; HTTP Basic authentication carries it. altnetd's
/// control socket, the RPC proxy and simnode each write one; altnet-cli and sendemergencytx
/// read altnetd's.
public struct CookieFile: Sendable, Equatable {
    /// The user name bitcoind uses for cookie authentication.
    public static let user = "__cookie__"
    /// The file's name inside a data directory.
    public static let fileName = ".cookie"
    /// Longest file ``read(from:)`` accepts (bitcoind's is 75 bytes).
    public static let maxFileBytes = 256

    /// Where the file is (or is to be written).
    public let path: String
    /// The password: 64 hex digits for a fresh cookie.
    public let secret: String

    /// A fresh cookie for `path` (not written yet: ``write()``): 32 bytes from the system's
    /// secure generator, in hex.
    public init(path: String) {
        self.path = path
        var rng = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef".utf8)
        var hex: [UInt8] = []
        hex.reserveCapacity(64)
        for _ in 0..<32 {
            let byte = UInt8.random(in: 0...255, using: &rng)
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 0x0f)])
        }
        secret = String(decoding: hex, as: UTF8.self)
    }

    /// A cookie with a known secret.
    public init(path: String, secret: String) {
        self.path = path
        self.secret = secret
    }

    /// `__cookie__:<secret>`: the file's text, and the Basic authentication credentials.
    public var userColonPassword: String { "\(Self.user):\(secret)" }

    /// The `Authorization` header value a client sends.
    public var authorization: String { "Basic " + Data(userColonPassword.utf8).base64EncodedString() }

    /// Whether an `Authorization` header carries this cookie, compared in constant time.
    /// - Parameter header: the header value, or nil when absent.
    public func accepts(authorization header: String?) -> Bool {
        guard let header else { return false }
        return Self.constantTimeEqual(Array(header.utf8), Array(authorization.utf8))
    }

    /// Writes the cookie with mode 0600 through `PATH.tmp` and a rename (its directory must exist).
    /// - Throws: ``CookieFileError`` naming the path and the system's reason.
    public func write() throws(CookieFileError) {
        let temporary = path + ".tmp"
        unlink(temporary)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw CookieFileError(path: temporary, action: "create", errno: errno) }
        let bytes = Array(userColonPassword.utf8)
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        let syncError = fsync(fd) == 0 ? 0 : errno
        close(fd)
        guard written == bytes.count, syncError == 0 else {
            unlink(temporary)
            throw CookieFileError(path: temporary, action: "write", errno: syncError == 0 ? EIO : syncError)
        }
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw CookieFileError(path: path, action: "rename \(temporary) into place", errno: code)
        }
    }

    /// Deletes the file (at a clean exit); a missing file is not an error.
    public func delete() { unlink(path) }

    /// Reads a cookie file: `__cookie__:<secret>`, surrounding whitespace ignored.
    /// - Throws: ``CookieFileError`` when the file is missing, unreadable, too long or not a cookie.
    public static func read(from path: String) throws(CookieFileError) -> CookieFile {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw CookieFileError(path: path, action: "read", errno: access(path, F_OK) != 0 ? ENOENT : EACCES)
        }
        defer { try? handle.close() }
        guard let data = try? handle.read(upToCount: maxFileBytes + 1) else {
            throw CookieFileError(path: path, action: "read", errno: EIO)
        }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let prefix = user + ":"
        guard data.count <= maxFileBytes, text.hasPrefix(prefix), text.count > prefix.count else {
            throw CookieFileError(path: path, reason: "is not \(user):<secret>")
        }
        return CookieFile(path: path, secret: String(text.dropFirst(prefix.count)))
    }

    /// Compares two byte strings in time that depends only on their lengths.
    public static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(truncatingIfNeeded: a.count ^ b.count)
        for i in 0..<max(a.count, b.count) {
            difference |= (i < a.count ? a[i] : 0) ^ (i < b.count ? b[i] : 0)
        }
        return difference == 0
    }
}
