import BitcoindZMQ
import Foundation
import TestSupport
import Testing

// Helpers for the ZMQ interop tests: a Python peer speaking lines, and a check for its modules.

/// A child process speaking lines on stdin/stdout (a Python peer script). Killed by `stop()`;
/// tests call it in `defer`.
final class LineProcess: @unchecked Sendable {
    // @unchecked: Process and the pipes are used from the test task only; output lines go
    // through the thread-safe Collector.
    let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    let lines = Collector<String>()

    /// Starts `python3 integration/<script> <arguments>` from the package root.
    /// - Throws: if python3 cannot be started.
    init(script: String, arguments: [String] = []) throws {
        let path = SharedData.packageRoot.appendingPathComponent("integration").appendingPathComponent(script).path
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-u", path] + arguments
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        let handle = output.fileHandleForReading
        let lines = lines
        let reader = Thread {
            var buffer = Data()
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                buffer.append(chunk)
                while let nl = buffer.firstIndex(of: 0x0a) {
                    lines.append(String(decoding: buffer[buffer.startIndex..<nl], as: UTF8.self))
                    buffer.removeSubrange(buffer.startIndex...nl)
                }
            }
        }
        reader.start()
    }

    func send(_ line: String) {
        input.fileHandleForWriting.write(Data((line + "\n").utf8))
    }

    /// Waits for a line starting with `prefix`.
    /// - Returns: the line, or nil on timeout.
    func line(startingWith prefix: String, timeout: Double = 10) async -> String? {
        await lines.wait(timeout: timeout) { $0.contains { $0.hasPrefix(prefix) } }.first { $0.hasPrefix(prefix) }
    }

    /// Ends the child with SIGKILL (immediate; SIGTERM is not enough: a child can inherit a
    /// signal mask that blocks it) and reaps it.
    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Kills the child at once (to simulate a crash).
    func kill9() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

enum PythonCheck {
    /// Whether `python3 -c "import <module>"` succeeds.
    static func has(_ module: String) -> Bool {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", "import \(module)"]
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return false }
        p.waitUntilExit()
        return p.terminationStatus == 0
    }
}
