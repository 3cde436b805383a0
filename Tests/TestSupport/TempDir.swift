import Foundation

/// A new directory under the system's temporary directory, removed by ``cleanup()``.
public struct TempDir: Sendable {
    public let path: String

    /// Creates `TMPDIR/<prefix>-<8 random hex digits>`.
    /// - Parameter prefix: the start of the directory's name (which tests made it).
    /// - Throws: when the directory cannot be created.
    public init(prefix: String = "altnet-test") throws {
        path = NSTemporaryDirectory() + "\(prefix)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// Removes the directory and everything in it (errors ignored: it may be gone already).
    public func cleanup() { try? FileManager.default.removeItem(atPath: path) }
}
