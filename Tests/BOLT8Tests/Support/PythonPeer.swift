import Foundation
import TestSupport

/// A Python peer script from integration/, run as a child process for one test.
/// `stop()` (call it in `defer`) kills it if it is still running.
final class PythonPeer: @unchecked Sendable {
    let process = Process()
    private let stdoutPipe = Pipe()
    private let stderrPipe = Pipe()
    private var stdoutBuffer = Data()

    /// Starts `python3 integration/<script> <arguments>`.
    init(script: String, arguments: [String]) throws {
        let path = SharedData.packageRoot.appendingPathComponent("integration").appendingPathComponent(script)
        guard FileManager.default.fileExists(atPath: path.path) else {
            throw PeerFailure("peer script missing: \(path.path)")
        }
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", path.path] + arguments
        process.standardOutput = stdoutPipe
        process.standardError = stderrPipe
        try process.run()
    }

    /// Reads stdout up to the next newline (blocking, bounded by the peer's own timeouts).
    func readLine() throws -> String {
        while true {
            if let nl = stdoutBuffer.firstIndex(of: 0x0a) {
                let line = stdoutBuffer[stdoutBuffer.startIndex..<nl]
                stdoutBuffer = Data(stdoutBuffer[(nl + 1)...])
                return String(decoding: line, as: UTF8.self)
            }
            let chunk = stdoutPipe.fileHandleForReading.availableData
            if chunk.isEmpty {
                throw PeerFailure("peer exited before writing a line; stderr: \(stderrText())")
            }
            stdoutBuffer.append(chunk)
        }
    }

    /// Waits up to `seconds` for the child to exit.
    /// - Returns: exit status, the rest of stdout and stderr.
    func finish(timeout seconds: Double = 60) throws -> (status: Int32, stdout: String, stderr: String) {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            stop()
            throw PeerFailure("peer did not exit within \(seconds) s; stderr: \(stderrText())")
        }
        let rest = stdoutPipe.fileHandleForReading.readDataToEndOfFile()
        let out = String(decoding: stdoutBuffer + rest, as: UTF8.self)
        return (process.terminationStatus, out, stderrText())
    }

    /// Kills the child if it is still running.
    func stop() {
        if process.isRunning {
            process.terminate()
            usleep(100_000)
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
    }

    private func stderrText() -> String {
        if process.isRunning { return "(still running)" }
        return String(decoding: stderrPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    }
}

struct PeerFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
