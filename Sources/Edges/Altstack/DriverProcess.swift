import DriverProtocol
import Foundation
import Logging
import Subprocess

#if canImport(System)
import System
#else
import SystemPackage
#endif

/// How to start a driver executable.
public struct DriverLaunch: Sendable {
    public var executable: String
    public var arguments: [String]
    /// Variables added to the minimal environment.
    public var environment: [String: String]

    public init(executable: String, arguments: [String] = [], environment: [String: String] = [:]) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
    }

    /// The child's environment: PATH, HOME, LANG, TZ from ours (when set), plus `environment`.
    /// Nothing else leaks: no credentials, no RPC cookies.
    var minimalEnvironment: [Environment.Key: String] {
        var result: [Environment.Key: String] = [:]
        let inherited = ProcessInfo.processInfo.environment
        for key in ["PATH", "HOME", "LANG", "TZ"] {
            if let value = inherited[key], let envKey = Environment.Key(rawValue: key) { result[envKey] = value }
        }
        for (key, value) in environment {
            if let envKey = Environment.Key(rawValue: key) { result[envKey] = value }
        }
        return result
    }
}

/// A running driver process seen as protocol messages: send lines or frames to its stdin,
/// receive decoded stdout events (``DriverFrameDecoder``), kill it. Valid only inside ``DriverProcess/run(_:name:logger:body:)``.
public final class DriverPipe: Sendable {
    /// The process id.
    public let pid: Int32
    /// Framed standard-output events; returns nil at end of output.
    let incoming: Mailbox<DriverFrameDecoder.Event>
    let outgoing: Mailbox<[UInt8]>
    private let killer: @Sendable () -> Void

    init(pid: Int32, incoming: Mailbox<DriverFrameDecoder.Event>, outgoing: Mailbox<[UInt8]>, killer: @escaping @Sendable () -> Void) {
        self.pid = pid
        self.incoming = incoming
        self.outgoing = outgoing
        self.killer = killer
    }

    /// Queues a message (a line with its newline, or a binary frame) for the driver's stdin.
    /// - Returns: false when the input side is closed.
    @discardableResult
    public func send(_ line: [UInt8]) -> Bool { outgoing.push(line) }

    /// The next stdout event, or nil at end of output.
    public func next() async -> DriverFrameDecoder.Event? { await incoming.next() }

    /// Closes the driver's stdin after the queued lines.
    public func closeInput() { outgoing.close() }

    /// SIGKILL.
    public func kill() { killer() }

    /// Stdout lines read but not yet handled, and their bytes (bounded: see ``DriverProcess/run(_:name:logger:maxLineBytes:queueBytes:body:)``).
    public var queued: (lines: Int, bytes: Int) {
        let depth = incoming.depth
        return (depth.count, depth.cost)
    }
}

/// Starts driver processes with swift-subprocess.
public enum DriverProcess {
    /// Runs a driver for the duration of `body`; when `body` returns the process is killed if it
    /// is still running, and the call returns once it has exited.
    /// - Parameters:
    ///   - launch: executable, arguments, environment.
    ///   - name: the driver's name, for its stderr lines in `logger`.
    ///   - logger: receives each stderr line at info level with metadata `driver`.
    ///   - maxLineBytes: the stdout limit for a line or a frame.
    ///   - queueBytes: stdout bytes read ahead of the session; beyond them the core stops reading
    ///     the pipe until the session catches up, and the full pipe blocks the driver's writes.
    ///   - body: talks to the process.
    /// - Returns: the body's result and how the process ended.
    /// - Throws: a launch error, or what `body` throws.
    public static func run<R: Sendable>(
        _ launch: DriverLaunch, name: String, logger: Logger, maxLineBytes: Int = DriverProtocolLimits.maxLineBytes,
        queueBytes: Int = DriverProtocolLimits.maxLineBytes, body: (DriverPipe) async throws -> R
    ) async throws -> (R, TerminationStatus) {
        ignoreSIGPIPE
        let configuration = Configuration(
            executable: .path(FilePath(launch.executable)),
            arguments: Arguments(launch.arguments),
            environment: .custom(launch.minimalEnvironment))
        let outcome = try await Subprocess.run(configuration, input: .inputWriter, output: .sequence, error: .sequence) {
            execution in
            let incoming = Mailbox<DriverFrameDecoder.Event>(maxCost: queueBytes) { event in
                switch event {
                case .line(let bytes), .frame(let bytes): max(bytes.count, 1)
                case .oversized: 1
                }
            }
            let outgoing = Mailbox<[UInt8]>()
            let pipe = DriverPipe(pid: execution.processIdentifier.value, incoming: incoming, outgoing: outgoing) {
                try? execution.send(signal: .kill)
            }
            return try await withThrowingTaskGroup(of: Void.self, returning: R.self) { group in
                group.addTask {
                    var framer = DriverFrameDecoder(maxBytes: maxLineBytes)
                    do {
                        for try await buffer in execution.standardOutput {
                            let events = buffer.withUnsafeBytes { framer.append($0) }
                            // Backpressure: wait while the session is behind (the pipe fills, the driver blocks).
                            for event in events { _ = await incoming.push(waiting: event) }
                        }
                    } catch {}
                    if let last = framer.finish() { incoming.push(last) }
                    incoming.close()
                }
                group.addTask {
                    var framer = LineFramer(maxLineBytes: 64 * 1024)
                    var driverLogger = logger
                    driverLogger[metadataKey: "driver"] = "\(name)"
                    do {
                        for try await buffer in execution.standardError {
                            for event in buffer.withUnsafeBytes({ framer.append($0) }) {
                                if case .line(let bytes) = event {
                                    driverLogger.info("\(String(decoding: bytes, as: UTF8.self))")
                                }
                            }
                        }
                    } catch {}
                }
                group.addTask {
                    let writer = execution.standardInputWriter
                    while let line = await outgoing.next() {
                        guard let written = try? await writer.write(line), written == line.count else { break }
                    }
                    outgoing.close()
                    try? await writer.finish()
                }
                let result: R
                do {
                    result = try await body(pipe)
                } catch {
                    outgoing.close()
                    pipe.kill()
                    throw error
                }
                outgoing.close()
                pipe.kill()
                return result
            }
        }
        return (outcome.closureResult, outcome.terminationStatus)
    }
}

/// Writing to a dead child must be an error, not a SIGPIPE that kills the core (TOOLCHAIN.md).
private let ignoreSIGPIPE: Void = {
    signal(SIGPIPE, SIG_IGN)
}()
