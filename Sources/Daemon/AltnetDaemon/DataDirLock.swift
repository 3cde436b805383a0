import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An exclusive lock on altnetd's data directory (`flock` on `DIR/.lock`), held for the process's
/// life, so two daemons never share a socket, a cookie or a node key.
public final class DataDirLock: Sendable {
    /// The lock file name.
    public static let fileName = ".lock"
    private let fd: Int32

    /// Takes the lock without waiting.
    /// - Parameter dataDir: the data directory (must exist).
    /// - Throws: ``DaemonError`` (`.alreadyRunning` when another process holds it).
    public init(dataDir: String) throws(DaemonError) {
        let path = dataDir + "/" + Self.fileName
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw DaemonError(.dataDir, "cannot open \(path): \(String(cString: strerror(errno)))") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            close(fd)
            if code == EWOULDBLOCK {
                throw DaemonError(.alreadyRunning,
                                  "cannot obtain a lock on data directory \(dataDir): altnetd is probably already running")
            }
            throw DaemonError(.dataDir, "cannot lock \(path): \(String(cString: strerror(code)))")
        }
        self.fd = fd
    }

    /// Releases the lock (also released when the process exits, however it exits).
    deinit { close(fd) }
}

/// A reason altnetd cannot start or run, with a message for the operator.
public struct DaemonError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case config, dataDir, alreadyRunning, nodeKey, bind
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
