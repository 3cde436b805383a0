import Foundation
import TestSupport
import Testing

/// The import rule of docs/architecture.md (issue #16): `scripts/check-layers.py` over this
/// repository's Package.swift, and over a copy that breaks the rule, so the check is shown to fail.
@Suite struct LayerTests {
    static func check(_ packageSwift: String) async throws -> (status: Int32, output: String, errors: String) {
        let script = SharedData.packageRoot.appendingPathComponent("scripts/check-layers.py").path
        let (status, out, err) = try await runToEnd("/usr/bin/env", ["python3", script, "--text", packageSwift])
        return (status, out, err)
    }

    @Test("every target under Sources/ and drivers/ depends only on its own layer or earlier ones")
    func repositoryFollowsTheLayers() async throws {
        let package = SharedData.packageRoot.appendingPathComponent("Package.swift").path
        let (status, output, errors) = try await Self.check(package)
        #expect(status == 0, "\(output)")
        // Every library and executable target is checked (not a parse that found nothing).
        let checked = try #require(errors.split(separator: " ").first.flatMap { Int($0) }, "\(errors)")
        #expect(checked >= 30, "\(errors)")
    }

    @Test("a core module depending on an edge fails the check, named")
    func aLaterLayerDependencyIsReported() async throws {
        let package = try String(contentsOf: SharedData.packageRoot.appendingPathComponent("Package.swift"), encoding: .utf8)
        let broken = package.replacingOccurrences(
            of: #".target(name: "HeaderChain", dependencies: ["BitcoinPrimitives"]"#,
            with: #".target(name: "HeaderChain", dependencies: ["BitcoinPrimitives", "Altstack"]"#)
        try #require(broken != package, "Package.swift no longer declares HeaderChain as this test expects")
        let dir = try TempDir(prefix: "layers")
        defer { dir.cleanup() }
        let path = dir.path + "/Package.swift"
        try broken.write(toFile: path, atomically: true, encoding: .utf8)
        let (status, output, _) = try await Self.check(path)
        #expect(status == 1)
        #expect(output.contains("HeaderChain (Core) depends on Altstack (Edges), a later layer"), "\(output)")
    }
}
