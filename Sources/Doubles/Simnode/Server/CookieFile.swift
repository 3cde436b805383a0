import Foundation

/// bitcoind's RPC cookie (src/rpc/request.cpp GenerateAuthCookie): `__cookie__:` and 32 random
/// bytes in hex, written to `<datadir>/<network>/.cookie` with mode 0600 through a temporary
/// file, deleted on clean shutdown.
public struct CookieFile: Sendable {
    public static let user = "__cookie__"
    public let path: String
    /// "user:password" as the client sends it in Basic authentication.
    public let userColonPassword: String

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Generates a cookie and writes it.
    /// - Parameter directory: the network data directory (e.g. DIR/regtest), created if needed.
    /// - Throws: ``Failure`` if the file cannot be written.
    public static func write(in directory: String) throws(Failure) -> CookieFile {
        var rng = SystemRandomNumberGenerator()
        let secret = (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let value = user + ":" + secret.map { String(format: "%02x", $0) }.joined()
        let path = directory + "/.cookie"
        let tmp = path + ".tmp"
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            guard FileManager.default.createFile(
                atPath: tmp, contents: Data(value.utf8), attributes: [.posixPermissions: 0o600])
            else { throw Failure(description: "cannot create \(tmp)") }
            guard rename(tmp, path) == 0 else { throw Failure(description: "cannot rename \(tmp) to \(path)") }
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure(description: "cannot write cookie in \(directory): \(error)")
        }
        return CookieFile(path: path, userColonPassword: value)
    }

    /// Deletes the cookie file (on clean exit, as bitcoind does).
    public func delete() {
        try? FileManager.default.removeItem(atPath: path)
    }
}
