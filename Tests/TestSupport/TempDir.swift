import Foundation

/// A new directory for one test, removed by ``cleanup()``: the tests' one way to make a
/// temporary directory.
public struct TempDir: Sendable {
    public let path: String

    /// Creates `TMPDIR/<prefix>-<8 random hex digits>`.
    /// - Parameter prefix: the start of the directory's name (which tests made it).
    /// - Throws: when the directory cannot be created.
    public init(prefix: String = "altnet-test") throws {
        path = NSTemporaryDirectory() + "\(prefix)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    private init(path: String) { self.path = path }

    /// A directory with a short path, `/tmp/altd-XXXXXX`, for data directories that hold Unix
    /// sockets (their paths are limited to 108 bytes; TMPDIR may be long).
    /// - Throws: ``SpawnedProcess/Failure`` when mkdtemp fails.
    public static func short() throws -> TempDir {
        var template = Array("/tmp/altd-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw SpawnedProcess.Failure(description: "mkdtemp failed: \(errno)") }
        return TempDir(path: String(cString: made))
    }

    /// Removes the directory and everything in it (errors ignored: it may be gone already).
    public func cleanup() { try? FileManager.default.removeItem(atPath: path) }
}
