import Foundation
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// A temporary directory with a short path (Unix socket paths are limited to 108 bytes).
struct ShortTempDir: Sendable {
    let path: String

    init() throws {
        var template = Array("/tmp/altd-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw SpawnedProcess.Failure(description: "mkdtemp failed: \(errno)") }
        path = String(cString: made)
    }

    func cleanup() { try? FileManager.default.removeItem(atPath: path) }
}

/// The octal permission bits of a file, or nil when it does not exist.
func mode(_ path: String) -> Int? {
    var info = stat()
    guard stat(path, &info) == 0 else { return nil }
    return Int(info.st_mode & 0o777)
}

/// Whether a process exists and is not a zombie.
func isAlive(_ pid: Int32) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
    guard let close = stat.lastIndex(of: ")") else { return false }
    let state = stat[stat.index(close, offsetBy: 2)...].prefix(1)
    return state != "Z" && state != "X"
}

/// Polls `condition` until true or the deadline.
func eventually(timeout: Duration = .seconds(20), _ condition: () async -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(100))
    }
    return await condition()
}
