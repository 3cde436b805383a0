import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The processes a test left behind, read from /proc: every live descendant of this process
/// (children, and theirs), so a test that starts simnodes and drivers can check they are gone.
/// A grandchild whose parent died first is re-parented (to init or a subreaper) and is no longer
/// seen: the tests' simnodes and drivers are direct children, which this does see.
public enum ChildProcesses {
    /// A process found under /proc.
    public struct Entry: Sendable, Hashable, CustomStringConvertible {
        public let pid: Int32
        /// Its command line, arguments joined by spaces (the name in brackets if unreadable).
        public let command: String
        public var description: String { "\(pid) \(command)" }
    }

    /// The live (not zombie) descendants of `root`.
    /// - Parameter root: the ancestor; this process by default.
    /// - Returns: one entry per process, in pid order.
    public static func descendants(of root: Int32 = getpid()) -> [Entry] {
        var parents: [Int32: Int32] = [:]
        var names: [Int32: String] = [:]
        let all = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        for name in all {
            guard let pid = Int32(name), let stat = try? String(contentsOfFile: "/proc/\(name)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ")".
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count >= 2, fields[0] != "Z", let parent = Int32(fields[1]) else { continue }
            parents[pid] = parent
            names[pid] = String(stat[stat.index(after: stat.firstIndex(of: "(") ?? close)..<close])
        }
        var found: Set<Int32> = [root]
        var grew = true
        while grew {
            grew = false
            for (pid, parent) in parents where found.contains(parent) && !found.contains(pid) {
                found.insert(pid)
                grew = true
            }
        }
        found.remove(root)
        return found.sorted().map { pid in
            let raw = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline"))) ?? Data()
            let command = raw.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }.joined(separator: " ")
            return Entry(pid: pid, command: command.isEmpty ? "[\(names[pid] ?? "?")]" : command)
        }
    }

    /// Waits until no descendant is left that was not in `before`.
    /// - Parameters:
    ///   - before: descendants that existed before the test (not its business).
    ///   - timeout: how long the stragglers get to exit.
    /// - Returns: the processes still running after `timeout` (empty when all are gone).
    public static func leftovers(since before: [Entry], timeout: Duration = .seconds(5)) async -> [Entry] {
        let old = Set(before.map(\.pid))
        let deadline = ContinuousClock.now + timeout
        while true {
            let left = descendants().filter { !old.contains($0.pid) }
            if left.isEmpty || ContinuousClock.now >= deadline { return left }
            try? await Task.sleep(for: .milliseconds(50))
        }
    }
}
