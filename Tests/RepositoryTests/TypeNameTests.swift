import Foundation
import TestSupport
import Testing

/// One name, one module (issue #16): `scripts/check-type-names.sh` over this repository, and over
/// a small tree that breaks the rule, so the check itself is shown to fail when it should.
@Suite struct TypeNameTests {
    /// Runs the script with `arguments`; returns its exit status and its standard output.
    static func check(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        let script = SharedData.packageRoot.appendingPathComponent("scripts/check-type-names.sh").path
        let (status, output, _) = try await runToEnd("/bin/bash", [script] + arguments)
        return (status, output)
    }

    @Test("no type name is declared by two modules under Sources/ and drivers/")
    func repositoryHasOneModulePerTypeName() async throws {
        let (status, output) = try await Self.check([SharedData.packageRoot.path])
        #expect(status == 0, "\(output)")
        #expect(output.contains("every type name is declared by one module"), "\(output)")
    }

    @Test("a name declared in two modules fails the check and is reported with both modules")
    func duplicateIsReported() async throws {
        let dir = try TempDir(prefix: "type-names")
        defer { dir.cleanup() }
        let files = [
            "Sources/Core/First/Value.swift": "public struct Shared {}\nstruct OnlyFirst {}\n",
            "Sources/Edges/Second/Other.swift": "@frozen public enum Shared {}\nprivate struct OnlyFirst {}\n",
            "drivers/third/Main.swift": "final class Shared {}\nextension Shared { public struct Nested {} }\n",
            "drivers/fourth/Nested.swift": "enum Holder {\n    public struct Nested {}\n}\n",
        ]
        for (path, text) in files {
            let url = URL(fileURLWithPath: dir.path).appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        let (status, output) = try await Self.check([dir.path])
        #expect(status == 1)
        #expect(output.contains("Shared: First Second drivers/third"), "\(output)")
        // Private and nested declarations are not module-level names.
        #expect(!output.contains("OnlyFirst") && !output.contains("Nested"), "\(output)")
    }
}
