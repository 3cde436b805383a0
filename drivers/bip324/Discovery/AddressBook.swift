import AddressManager
import BitcoinPrimitives
import Foundation
import Logging

/// The driver's address manager with its file: `addrman.dat` in the instance's data directory,
/// loaded at start (a corrupt one is set aside as `addrman.dat.corrupt-<unix time>`), written
/// atomically (temp file, fsync, rename) after changes at most every 10 s and at shutdown.
/// The pure ``AddressManager`` decides; this adds the lock, the clock, randomness and the file.
final class AddressBook: @unchecked Sendable {
    // @unchecked: `manager` and `dirty` are guarded by `lock`; the rest is immutable.
    private let lock = NSLock()
    private var manager: AddressManager
    private var dirty = false
    private var lastFlush = ContinuousClock.now
    let file: URL?
    let logger: Logger
    /// Seconds between writes of a changed book.
    static let flushInterval: Duration = .seconds(10)

    /// Loads `DIR/addrman.dat` (or starts empty with a fresh key).
    /// - Parameters:
    ///   - directory: the instance's data directory, or nil to keep nothing on disk.
    ///   - config: sizes and the loopback test mode.
    ///   - logger: where the set-aside line goes.
    init(directory: URL?, config: AddressManagerConfig, logger: Logger) {
        self.logger = logger
        file = directory?.appendingPathComponent("addrman.dat")
        var key = [UInt8](repeating: 0, count: 32)
        var rng = SystemRandomNumberGenerator()
        for i in key.indices { key[i] = UInt8.random(in: 0...255, using: &rng) }
        var loaded = AddressManager(key: key, config: config)
        if let file, let data = FileManager.default.contents(atPath: file.path) {
            do throws(AddressFileError) {
                loaded = try AddressManager(serialized: Array(data), config: config)
                logger.info("addrman.dat: \(loaded.counts.new) new, \(loaded.counts.tried) tried, \(loaded.anchors.count) anchors")
            } catch {
                let aside = file.deletingLastPathComponent().appendingPathComponent("addrman.dat.corrupt-\(Int(Date().timeIntervalSince1970))")
                try? FileManager.default.moveItem(at: file, to: aside)
                logger.warning("addrman.dat unreadable (\(error)): set aside as \(aside.lastPathComponent); starting discovery over")
            }
        }
        manager = loaded
    }

    static var now: Int64 { Int64(Date().timeIntervalSince1970) }

    /// Runs `body` on the manager under the lock; marks the book changed when `changes`.
    func with<T>(changes: Bool = false, _ body: (inout AddressManager) -> T) -> T {
        lock.withLock {
            if changes { dirty = true }
            return body(&manager)
        }
    }

    /// A copy of the manager (for reads that select with randomness).
    var snapshot: AddressManager { lock.withLock { manager } }

    /// Writes the file if it changed and the last write is 10 s old (or `force`).
    func flush(force: Bool = false) {
        guard let file else { return }
        let bytes: [UInt8]? = lock.withLock {
            guard dirty || force, force || ContinuousClock.now - lastFlush >= Self.flushInterval else { return nil }
            dirty = false
            lastFlush = ContinuousClock.now
            return manager.serialized()
        }
        guard let bytes else { return }
        do { try Self.writeAtomically(bytes, to: file) } catch {
            logger.warning("cannot write \(file.path): \(error)")
            lock.withLock { dirty = true }
        }
    }

    /// Temp file beside the target, fsync, rename over it: a reader (or a restart after kill -9)
    /// sees the old file or the new one, never a part.
    static func writeAtomically(_ bytes: [UInt8], to file: URL) throws {
        let temp = file.deletingLastPathComponent().appendingPathComponent(file.lastPathComponent + ".tmp")
        let fd = open(temp.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        var ok = true
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n <= 0 { ok = false; break }
                offset += n
            }
        }
        if fsync(fd) != 0 { ok = false }
        close(fd)
        guard ok, rename(temp.path, file.path) == 0 else {
            unlink(temp.path)
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
        // The rename itself is durable once the directory is synced.
        let dir = open(file.deletingLastPathComponent().path, O_RDONLY)
        if dir >= 0 { fsync(dir); close(dir) }
    }
}
