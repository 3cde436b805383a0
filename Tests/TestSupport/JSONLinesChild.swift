import Foundation

/// A child process that reports on stdout in JSON lines (the integration/ Python peers, the
/// proxy): each line that parses as a JSON object is kept, stderr lines (and stdout lines that are
/// not JSON objects, marked so) are kept as its log, both
/// read on threads of their own so a test only polls. Killed with SIGKILL (test children
/// inherit a blocked SIGTERM).
public final class JSONLinesChild: @unchecked Sendable {
    // @unchecked: `objects`, `logLines` and `stdoutDone` are guarded by `lock`; `process` is only
    // started and killed.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        public init(description: String) { self.description = description }
    }

    private let process = Process()
    private let lock = NSLock()
    private var objects: [[String: Any]] = []
    private var logLines: [String] = []
    private var stdoutDone = false

    /// Starts `executable` with `arguments`, its environment extended by `extra`.
    /// - Parameter keepLog: false sends stderr to /dev/null instead of keeping its lines.
    public init(_ executable: String, _ arguments: [String], environment extra: [String: String] = [:], keepLog: Bool = true) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(extra) { _, new in new }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = keepLog ? err : FileHandle.nullDevice
        try process.run()
        Self.readLines(out.fileHandleForReading) { [self] line in
            if let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] {
                lock.withLock { objects.append(object) }
            } else if !line.isEmpty {
                // Not an object: kept in the log, so a line two threads merged shows in a failure.
                lock.withLock { logLines.append("stdout (not a JSON object): " + line) }
            }
        } done: { [self] in lock.withLock { stdoutDone = true } }
        if keepLog {
            Self.readLines(err.fileHandleForReading) { [self] line in lock.withLock { logLines.append(line) } } done: {}
        }
    }

    /// `python3 -u integration/<script> <arguments>`.
    public static func python(_ script: String, _ arguments: [String], environment: [String: String] = [:], keepLog: Bool = true) throws -> JSONLinesChild {
        let path = SharedData.packageRoot.appendingPathComponent("integration/\(script)").path
        return try JSONLinesChild("/usr/bin/env", ["python3", "-u", path] + arguments, environment: environment, keepLog: keepLog)
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

    public func kill() { if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) } }

    /// The child's process id (for /proc/PID/status).
    public var pid: Int32 { process.processIdentifier }

    /// The JSON objects seen on stdout so far.
    public var events: [[String: Any]] { lock.withLock { objects } }
    /// The stderr lines so far.
    public var log: [String] { lock.withLock { logLines } }

    /// Objects whose "event" is `name`.
    public func events(_ name: String) -> [[String: Any]] { events.filter { $0["event"] as? String == name } }

    /// Waits for an object matching `predicate` on stdout.
    /// - Throws: ``Failure`` on timeout or when stdout closes first, with what the child said.
    @discardableResult
    public func waitFor(timeout: Duration = .seconds(40), _ predicate: @escaping @Sendable ([String: Any]) -> Bool) async throws -> [String: Any] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let (found, over): ([String: Any]?, Bool) = lock.withLock { (objects.first(where: predicate), stdoutDone) }
            if let found { return found }
            if over { throw Failure(description: "child exited; its output: \(events.map { Self.short($0) }) log: \(log.suffix(10))") }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw Failure(description: "timed out; child output: \(events.map { Self.short($0) }) log: \(log.suffix(10))")
    }

    /// Waits for a stderr line containing every fragment.
    /// - Returns: the line, or nil on timeout.
    @discardableResult
    public func waitForLog(_ fragments: [String], timeout: Duration = .seconds(20)) async -> String? {
        await firstLine(containing: fragments, timeout: timeout) { log }
    }

    /// Shortens long hex payloads for failure messages.
    public static func short(_ object: [String: Any]) -> String {
        object.map { key, value in
            let text = "\(value)"
            return "\(key)=\(text.count > 80 ? String(text.prefix(80)) + "..." : text)"
        }.sorted().joined(separator: " ")
    }
}
