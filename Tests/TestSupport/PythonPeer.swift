import Foundation

/// A Python peer script from integration/ (verystable, pyln-proto, ...) run as a child process for
/// one test, talking on stdout one line at a time. Every call blocks: use it from `offPool`.
/// `stop()` (in `defer`) kills it with SIGKILL if it is still running (test children inherit a
/// blocked SIGTERM). Peers that report JSON events while a test polls use ``JSONLinesChild``.
public final class PythonPeer: @unchecked Sendable {
    // @unchecked: the process and pipes are used from one test thread at a time.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    public let process = Process()
    private let stdoutPipe = Pipe()
    private let stderrPipe = Pipe()
    private var stdoutBuffer = Data()

    /// Starts `python3 integration/<script> <arguments>`.
    /// - Throws: ``Failure`` when the script is missing; what `Process.run` throws.
    public init(script: String, arguments: [String]) throws {
        let path = SharedData.packageRoot.appendingPathComponent("integration").appendingPathComponent(script)
        guard FileManager.default.fileExists(atPath: path.path) else {
            throw Failure("peer script missing: \(path.path)")
        }
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", path.path] + arguments
        process.standardOutput = stdoutPipe
        process.standardError = stderrPipe
        try process.run()
    }

    /// Whether the peer is still running.
    public var isRunning: Bool { process.isRunning }

    /// Reads stdout up to the next newline (blocking, bounded by the peer's own timeouts).
    /// - Throws: ``Failure`` with the peer's stderr when it exits before writing a whole line.
    public func readLine() throws -> String {
        while true {
            if let nl = stdoutBuffer.firstIndex(of: 0x0a) {
                let line = stdoutBuffer[stdoutBuffer.startIndex..<nl]
                stdoutBuffer = Data(stdoutBuffer[(nl + 1)...])
                return String(decoding: line, as: UTF8.self)
            }
            let chunk = stdoutPipe.fileHandleForReading.availableData
            if chunk.isEmpty {
                throw Failure("peer exited before writing a line (is its PyPI package installed?); stderr: \(stderrText())")
            }
            stdoutBuffer.append(chunk)
        }
    }

    /// The next stdout line as a JSON object.
    /// - Throws: ``Failure`` when it is not one, or when it reports `"ok": false`.
    public func readJSON() throws -> [String: Any] {
        let line = try readLine()
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
            throw Failure("not a JSON object: \(line)")
        }
        if object["ok"] as? Bool == false { throw Failure("peer failed: \(object["error"] ?? "?")") }
        return object
    }

    /// Waits up to `seconds` for the child to exit.
    /// - Returns: exit status, the rest of stdout and stderr.
    /// - Throws: ``Failure`` (after killing it) when it is still running then.
    public func finish(timeout seconds: Double = 60) throws -> (status: Int32, stdout: String, stderr: String) {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            stop()
            throw Failure("peer did not exit within \(seconds) s; stderr: \(stderrText())")
        }
        let rest = stdoutPipe.fileHandleForReading.readDataToEndOfFile()
        let out = String(decoding: stdoutBuffer + rest, as: UTF8.self)
        stdoutBuffer = Data()
        return (process.terminationStatus, out, stderrText())
    }

    /// The peer's last line as a JSON object (its summary), once it has exited with status 0.
    /// - Throws: ``Failure`` when the line is not JSON or reports `"ok": false`, or the peer fails.
    public func finishJSON(timeout seconds: Double = 60) throws -> [String: Any] {
        let summary = try readJSON()
        let (status, _, stderr) = try finish(timeout: seconds)
        guard status == 0 else { throw Failure("peer exited with \(status); stderr: \(stderr)") }
        return summary
    }

    /// Kills the child if it is still running, and reaps it.
    public func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// What the peer wrote to stderr (only once it has exited).
    public func stderrText() -> String {
        if process.isRunning { return "(still running)" }
        return String(decoding: stderrPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    }
}
