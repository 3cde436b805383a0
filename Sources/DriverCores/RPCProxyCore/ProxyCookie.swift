import Foundation

/// The proxy's cookie file, written like bitcoind's (src/rpc/request.cpp GenerateAuthCookie):
/// `__cookie__:` and 32 random bytes in hex, mode 0600, through a temporary file and a rename;
/// deleted on clean exit.
public struct ProxyCookie: Sendable {
    public static let user = "__cookie__"
    public let path: String
    /// `__cookie__:HEX`, as a client sends it in Basic authentication.
    public let userColonPassword: String

    /// Generates a cookie and writes it to `DIR/.cookie`.
    /// - Parameter directory: the data directory (created if missing, mode 0700).
    /// - Returns: the cookie.
    /// - Throws: ``RPCProxyConfigError`` when the file cannot be written.
    public static func write(in directory: String) throws(RPCProxyConfigError) -> ProxyCookie {
        var rng = SystemRandomNumberGenerator()
        var secret = ""
        for _ in 0..<4 {
            let word = rng.next() as UInt64
            secret += String(repeating: "0", count: 16 - String(word, radix: 16).count) + String(word, radix: 16)
        }
        let value = user + ":" + secret
        let path = directory + "/.cookie"
        let tmp = path + ".tmp"
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw RPCProxyConfigError("cannot create data directory \(directory): \(error)")
        }
        unlink(tmp)
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { throw RPCProxyConfigError("cannot create \(tmp): errno \(errno)") }
        let bytes = Array(value.utf8)
        let written = bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
        close(fd)
        guard written == bytes.count else {
            unlink(tmp)
            throw RPCProxyConfigError("cannot write \(tmp)")
        }
        guard rename(tmp, path) == 0 else {
            unlink(tmp)
            throw RPCProxyConfigError("cannot rename \(tmp) to \(path): errno \(errno)")
        }
        return ProxyCookie(path: path, userColonPassword: value)
    }

    /// Deletes the cookie file.
    public func delete() { unlink(path) }
}
