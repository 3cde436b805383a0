import Foundation
import Testing
import TestSupport

/// TestSupport's /proc check, which the end-to-end tests use to prove nothing is left running:
/// it must see a child and its grandchild, and see them gone after they are killed.
@Suite struct ChildProcessesTests {
    @Test func seesDescendantsAndTheirExit() async throws {
        let before = ChildProcesses.descendants()
        let dir = try TempDir(prefix: "altnet-children")
        defer { dir.cleanup() }
        // A shell (child) that starts a sleep (grandchild) and waits for it.
        let child = try SpawnedProcess("/bin/sh", ["-c", "sleep 30 & wait"], stderrPath: dir.path + "/stderr")
        var found: [ChildProcesses.Entry] = []
        for _ in 0..<100 {
            found = ChildProcesses.descendants().filter { entry in !before.contains(entry) }
            if found.count >= 2 { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(found.contains { $0.pid == child.pid && $0.command.hasPrefix("/bin/sh") }, "\(found)")
        let sleeper = found.first { $0.command.hasPrefix("sleep 30") }
        #expect(sleeper != nil, "the grandchild is found too: \(found)")
        #expect(await ChildProcesses.leftovers(since: before, timeout: .milliseconds(100)).count >= 2)

        if let sleeper { kill(sleeper.pid, SIGKILL) }
        child.kill()
        #expect(await ChildProcesses.leftovers(since: before).isEmpty)
    }
}
