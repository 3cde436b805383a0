import Foundation
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// A child process for the daemon tests: started off the cooperative pool, stopped with SIGKILL.
final class Child: @unchecked Sendable {
    // @unchecked: `process` is configured before start; afterwards only read or signalled.
    let process = Process()
    let stderrPath: String

    struct Failure: Error, CustomStringConvertible { let description: String }

    /// Starts `executable` with `arguments`; stdout to a pipe (read with ``readLine(timeout:)``),
    /// stderr to `stderrPath`.
    init(_ executable: String, _ arguments: [String], stderrPath: String) throws {
        self.stderrPath = stderrPath
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = Pipe()
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }
    var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// Reads stdout until a newline (blocking: call through `offPool`).
    func readLine(timeout: TimeInterval) -> String {
        guard let pipe = process.standardOutput as? Pipe else { return "" }
        var line = Data()
        let deadline = Date().addingTimeInterval(timeout)
        while !line.contains(UInt8(ascii: "\n")), Date() < deadline, process.isRunning {
            line.append(pipe.fileHandleForReading.availableData)
        }
        return String(decoding: line, as: UTF8.self)
    }

    /// Waits for exit up to `timeout`; returns the status, or nil if still running.
    func waitForExit(timeout: TimeInterval) async -> Int32? {
        let process = self.process
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        if process.isRunning { return nil }
        _ = try? await offPool { process.waitUntilExit() }
        return process.terminationStatus
    }

    func kill() {
        if process.isRunning {
            Glibc.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    deinit { kill() }
}

/// `altnet-harness simnode` with its RPC port and ZMQ endpoint.
struct SimnodeChild: Sendable {
    let child: Child
    let rpcPort: Int
    let zmq: String
    let cookie: String
    /// The P2P port, when started with `--p2pport`.
    var p2pPort: Int? = nil

    /// - Parameters:
    ///   - dir: the simnode's data directory.
    ///   - extra: more `altnet-harness simnode` arguments (e.g. `--p2pport 0`).
    static func start(dir: String, extra: [String] = []) async throws -> SimnodeChild {
        let harness = try BuiltProduct.path("altnet-harness")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return try await offPool {
            let child = try Child(harness, ["simnode", "--datadir", dir, "--rpcport", "0", "--zmqpub", "tcp://127.0.0.1:0"] + extra,
                                  stderrPath: dir + "/simnode.stderr")
            let line = child.readLine(timeout: 30)
            struct Ports: Decodable { let rpcport: Int; let zmq: String; let p2pport: Int? }
            guard let ports = try? JSONDecoder().decode(Ports.self, from: Data(line.utf8)) else {
                child.kill()
                throw Child.Failure(description: "simnode did not report its ports: \(line) \(child.stderr)")
            }
            return SimnodeChild(child: child, rpcPort: ports.rpcport, zmq: ports.zmq, cookie: dir + "/regtest/.cookie",
                                p2pPort: ports.p2pport)
        }
    }
}

/// Runs a command to completion (off the pool) and returns status, stdout, stderr.
func runToEnd(_ executable: String, _ arguments: [String], stdin: String? = nil) async throws -> (status: Int32, out: String, err: String) {
    try await offPool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try? input.fileHandleForWriting.close()
        nonisolated(unsafe) var errData = Data()
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) { errData = err.fileHandleForReading.readDataToEndOfFile() }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
    }
}

/// A temporary directory with a short path (Unix socket paths are limited to 108 bytes).
struct ShortTempDir: Sendable {
    let path: String

    init() throws {
        var template = Array("/tmp/altd-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw Child.Failure(description: "mkdtemp failed: \(errno)") }
        path = String(cString: made)
    }

    func cleanup() { try? FileManager.default.removeItem(atPath: path) }
}

/// The octal permission bits of a file, or nil when it does not exist.
func mode(_ path: String) -> Int? {
    var info = stat()
    guard stat(path, &info) == 0 else { return nil }
    return Int(info.st_mode & 0o777)
}

/// Whether a process exists and is not a zombie.
func isAlive(_ pid: Int32) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
    guard let close = stat.lastIndex(of: ")") else { return false }
    let state = stat[stat.index(close, offsetBy: 2)...].prefix(1)
    return state != "Z" && state != "X"
}

/// Polls `condition` until true or the deadline.
func eventually(timeout: Duration = .seconds(20), _ condition: () async -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(100))
    }
    return await condition()
}
