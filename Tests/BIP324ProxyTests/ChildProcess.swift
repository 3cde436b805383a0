import Foundation
import TestSupport

/// A child process whose stdout lines (JSON objects, when they parse) and stderr lines are
/// collected on reader threads. Killed with SIGKILL (test children inherit a blocked SIGTERM).
final class ChildProcess: @unchecked Sendable {
    // @unchecked: `objects`, `logLines` and `exited` are guarded by `lock`.
    struct Failure: Error, CustomStringConvertible { let description: String }

    private let process = Process()
    private let lock = NSLock()
    private var objects: [[String: Any]] = []
    private var logLines: [String] = []
    private var stdoutDone = false

    /// Starts `executable` with `arguments`.
    init(_ executable: String, _ arguments: [String], environment extra: [String: String] = [:]) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(extra) { _, new in new }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        Self.readLines(out.fileHandleForReading) { [self] line in
            if let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] {
                lock.withLock { objects.append(object) }
            }
        } done: { [self] in lock.withLock { stdoutDone = true } }
        Self.readLines(err.fileHandleForReading) { [self] line in lock.withLock { logLines.append(line) } } done: {}
    }

    /// A Python script from integration/.
    static func python(_ script: String, _ arguments: [String], environment: [String: String] = [:]) throws -> ChildProcess {
        let path = SharedData.packageRoot.appendingPathComponent("integration/\(script)").path
        return try ChildProcess("/usr/bin/env", ["python3", "-u", path] + arguments, environment: environment)
    }

    private static func readLines(_ handle: FileHandle, _ line: @escaping @Sendable (String) -> Void, done: @escaping @Sendable () -> Void) {
        Thread {
            var pending = Data()
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                pending.append(chunk)
                while let newline = pending.firstIndex(of: 0x0A) {
                    line(String(decoding: pending[pending.startIndex..<newline], as: UTF8.self))
                    pending = Data(pending[(newline + 1)...])
                }
            }
            done()
        }.start()
    }

    func kill() { if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) } }

    var events: [[String: Any]] { lock.withLock { objects } }
    var log: [String] { lock.withLock { logLines } }

    func events(_ name: String) -> [[String: Any]] { events.filter { $0["event"] as? String == name } }

    /// Waits for an object matching `predicate` on stdout.
    @discardableResult
    func waitFor(timeout: Duration = .seconds(40), _ predicate: @escaping @Sendable ([String: Any]) -> Bool) async throws -> [String: Any] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let (found, over): ([String: Any]?, Bool) = lock.withLock { (objects.first(where: predicate), stdoutDone) }
            if let found { return found }
            if over { throw Failure(description: "child exited; its output: \(events.map { Self.short($0) }) log: \(log.suffix(10))") }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw Failure(description: "timed out; child output: \(events.map { Self.short($0) }) log: \(log.suffix(10))")
    }

    @discardableResult
    func waitFor(event name: String, timeout: Duration = .seconds(40)) async throws -> [String: Any] {
        try await waitFor(timeout: timeout) { $0["event"] as? String == name || $0["event"] as? String == "error" }
            .checkedEvent(name)
    }

    /// Waits for a stderr line containing every fragment.
    @discardableResult
    func waitForLog(_ fragments: [String], timeout: Duration = .seconds(20)) async -> String? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let line = log.first(where: { line in fragments.allSatisfy { line.contains($0) } }) { return line }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }

    /// Shortens long hex payloads for failure messages.
    static func short(_ object: [String: Any]) -> String {
        object.map { key, value in
            let text = "\(value)"
            return "\(key)=\(text.count > 80 ? String(text.prefix(80)) + "..." : text)"
        }.sorted().joined(separator: " ")
    }
}

extension Dictionary where Key == String, Value == Any {
    /// Throws when this is an `error` event instead of `name`.
    func checkedEvent(_ name: String) throws -> [String: Any] {
        if self["event"] as? String == "error", name != "error" {
            throw ChildProcess.Failure(description: "child reported an error: \(self["error"] ?? "?")")
        }
        return self
    }
}
