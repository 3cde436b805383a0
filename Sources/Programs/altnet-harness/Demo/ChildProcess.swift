import Foundation

/// A child process the demo started: its output goes to a log file in the demo's work directory,
/// and it is always stopped (SIGTERM, then SIGKILL) before the demo exits.
final class ChildProcess: @unchecked Sendable {
    let name: String
    let logPath: String
    private let process: Process

    /// Starts `executable` with `arguments`, stdout and stderr appended to `logPath`.
    /// - Throws: when the executable cannot be started.
    init(name: String, executable: String, arguments: [String], logPath: String) throws {
        self.name = name
        self.logPath = logPath
        FileManager.default.createFile(atPath: logPath, contents: nil)
        guard let log = FileHandle(forWritingAtPath: logPath) else {
            throw DemoError("cannot write the log file \(logPath)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw DemoError("cannot start \(name) (\(executable)): \(error)")
        }
        self.process = process
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }

    /// Asks the process to stop (SIGTERM) and kills it (SIGKILL) if it has not exited within `grace`.
    func stop(grace: Duration = .seconds(5)) async {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        let deadline = ContinuousClock.now + grace
        while process.isRunning, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            while process.isRunning { try? await Task.sleep(for: .milliseconds(20)) }
        }
    }

    /// Kills the process at once (SIGKILL), as a crash would.
    func killHard() async {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        while process.isRunning { try? await Task.sleep(for: .milliseconds(20)) }
    }

    /// The last `lines` lines of the log, for a failure report.
    func logTail(_ lines: Int = 15) -> String {
        guard let text = try? String(contentsOfFile: logPath, encoding: .utf8) else { return "" }
        return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }
}

/// Runs a command to completion and returns its standard output (used for altnet-cli).
/// - Throws: ``DemoError`` with the command's stderr when it exits non-zero.
func runToCompletion(_ executable: String, _ arguments: [String]) async throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    // Read both pipes off the cooperative pool: they block.
    let (stdout, stderr) = await withCheckedContinuation { (c: CheckedContinuation<(Data, Data), Never>) in
        Thread.detachNewThread {
            let group = DispatchGroup()
            nonisolated(unsafe) var o = Data(), e = Data()
            group.enter()
            Thread.detachNewThread { e = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
            o = out.fileHandleForReading.readDataToEndOfFile()
            group.wait()
            process.waitUntilExit()
            c.resume(returning: (o, e))
        }
    }
    guard process.terminationStatus == 0 else {
        let message = String(decoding: stderr, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        throw DemoError("\((executable as NSString).lastPathComponent) \(arguments.last ?? ""): \(message.isEmpty ? "exit \(process.terminationStatus)" : message)")
    }
    return String(decoding: stdout, as: UTF8.self)
}

/// A demo step that failed, in plain words.
struct DemoError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
