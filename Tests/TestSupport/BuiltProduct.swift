import Foundation

/// Finds executables this package builds (`swift build` builds them before `swift test` runs).
public enum BuiltProduct {
    public struct Missing: Error, CustomStringConvertible {
        public let description: String
    }

    /// The path of the built executable `name` (debug first, then release).
    /// - Throws: ``Missing`` with the command to run when it is not built.
    public static func path(_ name: String) throws -> String {
        let root = SharedData.packageRoot.appendingPathComponent(".build")
        for configuration in ["debug", "release"] {
            let path = root.appendingPathComponent("\(configuration)/\(name)").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        throw Missing(description: "\(name) not built under \(root.path): run `swift build --build-tests` first")
    }
}
