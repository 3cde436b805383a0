import Foundation

/// Locates ../shared (test vectors and mainnet data) beside the checkout, at test time.
/// Tests never carry copies of these files; a missing directory is a clear failure.
public enum SharedData {
    public struct Missing: Error, CustomStringConvertible {
        public let path: String
        public var description: String {
            "shared test data not found at \(path): altnet's tests read ../shared beside the checkout "
                + "(set ALTNET_SHARED to override)"
        }
    }

    /// The shared directory: $ALTNET_SHARED, else ../shared relative to the package root.
    public static var root: URL {
        if let env = ProcessInfo.processInfo.environment["ALTNET_SHARED"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        // This file is Tests/TestSupport/SharedData.swift; the package root is two levels up.
        let packageRoot = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return packageRoot.deletingLastPathComponent().appendingPathComponent("shared")
    }

    /// The package root directory (for finding built products or scripts in tests).
    public static var packageRoot: URL {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// Reads a file under shared/, throwing ``Missing`` with a clear message if absent.
    public static func data(_ relativePath: String) throws -> Data {
        let url = root.appendingPathComponent(relativePath)
        guard FileManager.default.fileExists(atPath: url.path) else { throw Missing(path: url.path) }
        return try Data(contentsOf: url)
    }

    /// Reads a text file under shared/.
    public static func text(_ relativePath: String) throws -> String {
        String(decoding: try data(relativePath), as: UTF8.self)
    }

    /// Rows of a tab- or comma-separated file, header line dropped, blank and # lines skipped.
    public static func rows(_ relativePath: String, separator: Character) throws -> [[String]] {
        let lines = try text(relativePath).split(whereSeparator: \.isNewline)
        return lines.dropFirst()
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
            .map { $0.split(separator: separator, omittingEmptySubsequences: false).map(String.init) }
    }
}
