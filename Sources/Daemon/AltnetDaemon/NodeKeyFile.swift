import Foundation
import Secp256k1
#if canImport(Glibc)
import Glibc
#endif

/// A Lightning driver instance's node key: `DIR/NAME/node_key` (`DIR/lightning/node_key` for
/// `[lightning]`), 32 raw secret bytes, mode 0600. Each instance has its own.
///
/// Created on first start from the system's secure random generator; refused when its mode lets
/// anyone but the owner read or write it (as ssh refuses a private key with loose permissions).
/// The key never leaves the core: the driver gets the node id and asks the core for ECDH.
public enum NodeKeyFile {
    /// The key's file name in the instance's data directory.
    public static let fileName = "node_key"

    /// Loads the key, creating it if absent.
    /// - Parameter path: the key file.
    /// - Returns: the key.
    /// - Throws: ``DaemonError`` (`.nodeKey`) for loose permissions, a wrong size or an invalid scalar.
    public static func loadOrCreate(at path: String) throws(DaemonError) -> PrivateKey {
        if access(path, F_OK) != 0 {
            let key = PrivateKey()
            let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw DaemonError(.nodeKey, "cannot create \(path): \(String(cString: strerror(errno)))") }
            let written = key.rawRepresentation.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            let synced = fsync(fd) == 0
            close(fd)
            guard written == 32, synced else {
                unlink(path)
                throw DaemonError(.nodeKey, "cannot write \(path)")
            }
        }
        var info = stat()
        guard stat(path, &info) == 0 else { throw DaemonError(.nodeKey, "cannot stat \(path): \(String(cString: strerror(errno)))") }
        let mode = info.st_mode & 0o777
        guard mode & 0o077 == 0 else {
            throw DaemonError(.nodeKey, "permissions 0\(String(mode, radix: 8)) for \(path) are too open: the node key must be readable by its owner only (chmod 600)")
        }
        guard info.st_size == 32, let data = FileManager.default.contents(atPath: path), data.count == 32 else {
            throw DaemonError(.nodeKey, "\(path) is not a 32-byte node key")
        }
        do {
            return try PrivateKey(rawRepresentation: [UInt8](data))
        } catch {
            throw DaemonError(.nodeKey, "\(path) does not hold a valid secp256k1 secret key")
        }
    }
}
