import BitcoindRPC
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The processes of `altnet-bench rpc-proxy` besides the bench itself (which is the load
/// client): the upstream node (simnode, or a real bitcoind with `--bitcoind`) and the proxy,
/// each its own process so that its CPU is read from its own /proc/PID/stat.
extension RPCProxyBench {
    /// A child process the bench started and must stop.
    final class Child: @unchecked Sendable {
        // @unchecked: used by the one measuring task, in sequence.
        let process: Process
        private let stdin: Pipe
        let stdout: Pipe

        var pid: Int32 { process.processIdentifier }

        /// Starts `executable` with `arguments`; stdin and stdout are pipes, stderr is discarded.
        /// - Throws: when the executable cannot be started.
        init(_ executable: String, _ arguments: [String]) throws {
            process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
            stdin = Pipe()
            stdout = Pipe()
            process.standardInput = stdin
            process.standardOutput = stdout
            process.standardError = FileHandle.nullDevice
            try process.run()
        }

        /// The first line the child writes, waiting at most `timeout` seconds (poll(2), so a
        /// child that never writes cannot hang the bench).
        /// - Throws: ``BenchFailure`` on timeout or end of output before a newline.
        func firstLine(timeout: Double) throws -> String {
            let fd = stdout.fileHandleForReading.fileDescriptor
            let deadline = BenchOutput.now() + UInt64(timeout * 1e9)
            var bytes: [UInt8] = []
            while true {
                let now = BenchOutput.now()
                guard now < deadline else { throw BenchFailure(description: "no ready line from \(process.executableURL?.path ?? "child")") }
                var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                guard poll(&entry, 1, Int32((deadline - now) / 1_000_000) + 1) > 0 else { continue }
                var byte: UInt8 = 0
                guard read(fd, &byte, 1) == 1 else { throw BenchFailure(description: "child exited before its ready line") }
                if byte == UInt8(ascii: "\n") { return String(decoding: bytes, as: UTF8.self) }
                bytes.append(byte)
            }
        }

        /// Closes the child's stdin (a party's signal to stop), waits up to `grace` seconds for
        /// it to exit, then kills it: no child outlives the bench.
        func stop(grace: Double = 10) async {
            try? stdin.fileHandleForWriting.close()
            let deadline = BenchOutput.now() + UInt64(grace * 1e9)
            while process.isRunning, BenchOutput.now() < deadline { try? await Task.sleep(nanoseconds: 20_000_000) }
            if process.isRunning { kill(pid, SIGKILL) }
            process.waitUntilExit()
        }
    }

    /// A party started as `altnet-bench party` (``BenchPartyCommand``).
    /// - Returns: the child, its RPC port and its cookie file.
    /// - Throws: ``BenchFailure`` when it does not report ready.
    static func startParty(_ arguments: [String]) async throws -> (child: Child, port: Int, cookie: String) {
        let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let child = try Child(me, ["party"] + arguments)
        let fields: [String]
        do {
            fields = try child.firstLine(timeout: 60).split(separator: " ", maxSplits: 2).map(String.init)
        } catch {
            await child.stop(grace: 0)
            throw error
        }
        guard fields.count == 3, fields[0] == "ready", let port = Int(fields[1]) else {
            await child.stop(grace: 0)
            throw BenchFailure(description: "party \(arguments.first ?? ""): \(fields.joined(separator: " "))")
        }
        return (child, port, fields[2])
    }

    /// CPU seconds of each party, from /proc/PID/stat (utime + stime).
    struct PartyCPU {
        var client = 0.0, proxy = 0.0, upstream = 0.0
        var total: Double { client + proxy + upstream }

        /// The parties now: this process (the load client), the proxy and the upstream.
        static func now(proxy: Int32, upstream: Int32) -> PartyCPU {
            PartyCPU(client: CPUClock.stat(0) ?? 0, proxy: CPUClock.stat(proxy) ?? 0, upstream: CPUClock.stat(upstream) ?? 0)
        }

        /// Each party's CPU since `start`, in microseconds per one of `calls`.
        func microsecondsPerCall(since start: PartyCPU, calls: Int) -> PartyCPU {
            let scale = 1e6 / Double(max(1, calls))
            return PartyCPU(client: (client - start.client) * scale, proxy: (proxy - start.proxy) * scale,
                            upstream: (upstream - start.upstream) * scale)
        }
    }
}

/// The process ids whose CPU a measurement reads (the bench itself is always read).
struct RPCProxyBenchPIDs: Sendable {
    let proxy: Int32
    let upstream: Int32

    func cpu() -> RPCProxyBench.PartyCPU { .now(proxy: proxy, upstream: upstream) }
}
