import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A child process for tests: stdout on a pipe (read line by line with a real timeout), stderr in
/// a file (so a failure can quote it), stopped with SIGKILL or SIGTERM-then-SIGKILL.
///
/// Children of the test runner inherit a blocked SIGTERM (docs/engineering-notes.md): only
/// programs that unblock or watch it (simnode, altnetd) end on ``terminate(grace:)``; the grace
/// period then ends in SIGKILL either way. ``kill()`` is synchronous, for `defer`.
public final class SpawnedProcess: @unchecked Sendable {
    // @unchecked: `process` is configured and started in init; afterwards it is only read,
    // signalled and waited for, which Foundation's Process allows from any thread.
    private let process = Process()
    /// Where the child's stderr goes (created empty, or truncated, at start).
    public let stderrPath: String
    private let stdout = Pipe()

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        public init(description: String) { self.description = description }
    }

    /// Starts `executable` (blocking only for fork/exec).
    /// - Parameters:
    ///   - executable: the program's path.
    ///   - arguments: its arguments.
    ///   - stderrPath: the file its stderr is written to.
    /// - Throws: when the file cannot be opened or the program cannot be started.
    public init(_ executable: String, _ arguments: [String], stderrPath: String) throws {
        self.stderrPath = stderrPath
        guard FileManager.default.createFile(atPath: stderrPath, contents: nil) else {
            throw Failure(description: "cannot create \(stderrPath) for \(executable)'s stderr")
        }
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = stdout
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
        try process.run()
    }

    deinit { kill() }

    public var pid: Int32 { process.processIdentifier }
    public var isRunning: Bool { process.isRunning }

    /// Everything the child wrote to stderr so far.
    public var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// The last `count` characters of stderr, for failure messages.
    public func stderrTail(_ count: Int = 2_000) -> String { String(stderr.suffix(count)) }

    /// Reads stdout up to and including the first newline, or what came before the timeout or
    /// the child's exit. Blocking: call through ``offPool(background:_:)``.
    /// - Parameter timeout: the longest wait in seconds, however quiet the child stays.
    /// - Returns: the bytes read, as UTF-8 (without a newline when it timed out or the child exited).
    public func readLine(timeout: TimeInterval) -> String {
        let fd = stdout.fileHandleForReading.fileDescriptor
        let deadline = Date().addingTimeInterval(timeout)
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while line.last != UInt8(ascii: "\n") {
            let left = deadline.timeIntervalSinceNow
            guard left > 0 else { break }
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, Int32(min(left * 1000, 1000).rounded(.up)))
            if ready < 0 && errno == EINTR { continue }
            guard ready >= 0 else { break }
            if ready == 0 {
                if process.isRunning { continue } else { break }
            }
            // One byte at a time: whatever follows the line stays in the pipe for later reads.
            guard read(fd, &byte, 1) == 1 else { break }
            line.append(byte)
        }
        return String(decoding: line, as: UTF8.self)
    }

    /// Waits for the child to exit.
    /// - Parameter timeout: the longest wait in seconds.
    /// - Returns: the exit status, or nil if it is still running.
    public func waitForExit(timeout: TimeInterval) async -> Int32? {
        let process = self.process
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        if process.isRunning { return nil }
        _ = try? await offPool { process.waitUntilExit() }
        return process.terminationStatus
    }

    /// SIGKILL and wait for the exit (quick: the kernel ends it). Safe to call more than once.
    public func kill() {
        guard process.isRunning else { return }
        Glibc.kill(process.processIdentifier, SIGKILL)
        // Bounded: Foundation reaps the child on its own thread, and an unbounded
        // waitUntilExit() from a cooperative thread hung a fresh-clone CI run (a simnode that
        // exited at start stayed a zombie and LoopbackNetwork's failure path never returned).
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning, Date() < deadline { usleep(10_000) }
    }

    /// SIGTERM, then SIGKILL if the child is still running after `grace`.
    /// - Parameter grace: how long the child may take to exit cleanly, in seconds.
    /// - Returns: whether it exited on SIGTERM alone.
    @discardableResult
    public func terminate(grace: TimeInterval = 5) async -> Bool {
        guard process.isRunning else { return true }
        Glibc.kill(process.processIdentifier, SIGTERM)
        if await waitForExit(timeout: grace) != nil { return true }
        _ = try? await offPool { [self] in kill() }
        return false
    }
}
