import Foundation
import TestSupport
import Testing

/// docs/architecture.md, "Tests: one target per module" (issue #16): every library module under
/// Sources/ has its test target `Tests/<Module>Tests` (a driver core's without the `Core`) or a
/// row saying where it is tested; every test target is named for a module or has a row.
@Suite struct TestTargetTests {
    static let section = "## Tests: one target per module"
    /// The layers whose folders are library modules (C shims and Programs are not tested alone).
    static let libraryLayers = ["Core", "Edges", "DriverCores", "Daemon", "Doubles"]

    /// The test target a module's tests live in by the rule.
    static func ruleTarget(_ module: String) -> String {
        (module.hasSuffix("Core") ? String(module.dropLast(4)) : module) + "Tests"
    }

    /// The section's rows: first column (module or test target) -> second (where it is tested).
    static func rows(_ doc: String) -> [String: String] {
        guard let start = doc.range(of: section) else { return [:] }
        let body = doc[start.upperBound...]
        let end = body.range(of: "\n## ")?.lowerBound ?? body.endIndex
        var rows: [String: String] = [:]
        for line in body[..<end].split(separator: "\n") where line.hasPrefix("| `") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: " `")) }
            if cells.count >= 2 { rows[cells[0]] = cells[1] }
        }
        return rows
    }

    /// What breaks the rule, one line each (empty when the tree and the page agree).
    static func problems(modules: [String], testTargets: [String], doc: String) -> [String] {
        let rows = rows(doc)
        let targets = Set(testTargets)
        var problems: [String] = []
        if rows.isEmpty { problems.append("docs/architecture.md has no rows under '\(section)'") }
        for module in modules.sorted() {
            if let listed = rows[module] {
                if !targets.contains(listed) { problems.append("\(module): its row names \(listed), which is no test target") }
            } else if !targets.contains(ruleTarget(module)) {
                problems.append("\(module) has no Tests/\(ruleTarget(module)) and no row in docs/architecture.md")
            }
        }
        let byRule = Set(modules.map(ruleTarget))
        for target in testTargets.sorted() where !byRule.contains(target) && rows[target] == nil {
            problems.append("Tests/\(target) is named for no module and has no row in docs/architecture.md")
        }
        for key in rows.keys.sorted() where !modules.contains(key) && !targets.contains(key) {
            problems.append("the row for \(key) names neither a module nor a test target")
        }
        return problems
    }

    static func folders(_ path: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: path.path).filter { name in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: path.appendingPathComponent(name).path, isDirectory: &isDirectory)
                && isDirectory.boolValue
        }
    }

    @Test("every module under Sources/ has its test target, and every test target a module or a row")
    func repositoryFollowsTheRule() throws {
        let root = SharedData.packageRoot
        let modules = try Self.libraryLayers.flatMap { try Self.folders(root.appendingPathComponent("Sources/\($0)")) }
        let targets = try Self.folders(root.appendingPathComponent("Tests")).filter { $0.hasSuffix("Tests") }
        let doc = try String(contentsOf: root.appendingPathComponent("docs/architecture.md"), encoding: .utf8)
        // Not a listing that found nothing.
        #expect(modules.count >= 25 && modules.contains("Simnode"), "\(modules)")
        #expect(targets.count >= 25 && targets.contains("WatchdogTests"), "\(targets)")
        #expect(Self.problems(modules: modules, testTargets: targets, doc: doc) == [])
    }

    @Test("a module without tests, a stray test target and a stale row are each reported")
    func breakingTheRuleIsReported() {
        let doc = """
            \(Self.section)
            | Module or test target | Tested in | Why |
            | --- | --- | --- |
            | `AltnetControl` | `AltnetDaemonTests` | through altnetd |
            | `DemoTests` | `DemoTests` | end to end |
            | `Gone` | `GoneTests` | a module since removed |

            ## Next section
            | `Stray2Tests` | `Stray2Tests` | after the section: not read |
            """
        let modules = ["Watchdog", "AltnetControl", "AltnetDaemon", "EsploraDriverCore", "Untested"]
        let targets = ["WatchdogTests", "AltnetDaemonTests", "EsploraDriverTests", "DemoTests", "StrayTests", "Stray2Tests"]
        #expect(Self.problems(modules: modules, testTargets: targets, doc: doc) == [
            "Untested has no Tests/UntestedTests and no row in docs/architecture.md",
            "Tests/Stray2Tests is named for no module and has no row in docs/architecture.md",
            "Tests/StrayTests is named for no module and has no row in docs/architecture.md",
            "the row for Gone names neither a module nor a test target",
        ])
        // AltnetControl is fine only through its row.
        let withoutRow = doc.replacingOccurrences(of: "| `AltnetControl` | `AltnetDaemonTests` | through altnetd |\n", with: "")
        #expect(Self.problems(modules: modules, testTargets: targets, doc: withoutRow).contains(
            "AltnetControl has no Tests/AltnetControlTests and no row in docs/architecture.md"))
    }
}
