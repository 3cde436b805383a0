import Altstack
import ArgumentParser
import BitcoinPrimitives
import DriverProtocol
import Foundation

/// `altnet-bench altstack`: request round trips through a real driver subprocess, and the
/// latency of carrying a 2,000-header `headers` message core -> driver -> core, each beside
/// the physical baseline measured in the same run: the same bytes echoed by `cat` over pipes.
struct AltstackBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "altstack",
        abstract: "Round trips and 2,000-header latency through a driver subprocess, against a raw pipe echo.")

    @Option(help: "The echo driver (default: altnet-driver-test beside this executable, else .build/debug).")
    var driver: String?

    @Option(help: "Sequential round trips to time.")
    var roundTrips = 5000

    @Option(help: "2,000-header round trips to time.")
    var headersRuns = 200

    func run() throws {
        let path = try driverPath()
        let box = ResultBox()
        let semaphore = DispatchSemaphore(value: 0)
        let (roundTrips, headersRuns) = (self.roundTrips, self.headersRuns)
        Task.detached {
            do {
                try await AltstackBench.measure(driver: path, roundTrips: roundTrips, headersRuns: headersRuns)
            } catch {
                box.error = error
            }
            semaphore.signal()
        }
        semaphore.wait()
        if let error = box.error { throw error }
    }

    private func driverPath() throws -> String {
        if let driver { return driver }
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("altnet-driver-test").path
        for candidate in [beside, ".build/release/altnet-driver-test", ".build/debug/altnet-driver-test"]
        where FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
        throw ValidationError("altnet-driver-test not found; build it (swift build -c release --product altnet-driver-test) or pass --driver")
    }

    /// The 2,000-header message: compact size 0xfd 0x07d0, then 2,000 x (80-byte header + zero tx count).
    static func headersPayload() -> String {
        var bytes: [UInt8] = [0xFD, 0xD0, 0x07]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            for _ in 0..<80 { bytes.append(UInt8.random(in: 0...255, using: &generator)) }
            bytes.append(0)
        }
        return Hex.encode(bytes)
    }

    static func measure(driver: String, roundTrips: Int, headersRuns: Int) async throws {
        let payload = headersPayload()
        let config = DriverConfig(
            name: "echo", executable: driver, arguments: ["--name", "echo", "--kinds", "headers", "--echo"],
            dataDir: FileManager.default.temporaryDirectory.appendingPathComponent("altnet-bench").path,
            timeouts: .init(heartbeatInterval: .seconds(60)))
        let altstack = Altstack(drivers: [config])
        let runner = Task { try await altstack.run() }
        defer { runner.cancel() }
        guard await altstack.waitUntilReady(timeout: Duration.seconds(20)), let supervisor = altstack.supervisor(named: "echo") else {
            throw ValidationError("the echo driver did not become ready")
        }

        // Round trips: a small sendmessage echoed, one in flight at a time, then 64 in flight.
        let small = SendMessageParams(message: DriverP2PMessage(command: "getheaders", payload: "00"), expect: ["getheaders"])
        for _ in 0..<200 { _ = try await supervisor.call(Methods.sendMessage, small) }
        var start = BenchOutput.now()
        for _ in 0..<roundTrips { _ = try await supervisor.call(Methods.sendMessage, small) }
        let sequentialSeconds = Double(BenchOutput.now() - start) / 1e9
        BenchOutput.emit("altstack.roundtrip.per_s", Double(roundTrips) / sequentialSeconds, "req/s")

        start = BenchOutput.now()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<64 {
                group.addTask {
                    for _ in stride(from: worker, to: roundTrips, by: 64) {
                        _ = try await supervisor.call(Methods.sendMessage, small)
                    }
                }
            }
            try await group.waitForAll()
        }
        BenchOutput.emit("altstack.roundtrip.pipelined64.per_s", Double(roundTrips) / (Double(BenchOutput.now() - start) / 1e9), "req/s")

        // The 2,000-header message, echoed.
        let big = SendMessageParams(message: DriverP2PMessage(command: "headers", payload: payload), expect: ["headers"])
        var samples: [Double] = []
        for run in 0..<(headersRuns + 10) {
            let t0 = BenchOutput.now()
            let result = try await supervisor.call(Methods.sendMessage, big).result(as: SendMessageResult.self)
            let ms = Double(BenchOutput.now() - t0) / 1e6
            guard result.replies.first?.payload.utf8.count == payload.utf8.count else {
                throw ValidationError("echo returned a different payload")
            }
            if run >= 10 { samples.append(ms) }
        }
        samples.sort()
        BenchOutput.emit("altstack.headers2000.payload_hex_bytes", Double(payload.utf8.count), "bytes")
        BenchOutput.emit("altstack.headers2000.roundtrip_ms.p50", samples[samples.count / 2], "ms")
        BenchOutput.emit("altstack.headers2000.roundtrip_ms.p90", samples[samples.count * 9 / 10], "ms")
        altstack.stop()
        _ = try? await runner.value

        // Physical baseline: the same line through `cat` over pipes, and one-byte-line round trips.
        let line = Array("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"peer\":\"p1\",\"replies\":[{\"command\":\"headers\",\"payload\":\"\(payload)\"}]}}\n".utf8)
        let baseline = try PipeEcho.measure(line: line, runs: headersRuns, smallRuns: roundTrips)
        BenchOutput.emit("altstack.baseline.pipe_echo_headers2000_ms.p50", baseline.bigP50, "ms")
        BenchOutput.emit("altstack.baseline.pipe_echo_roundtrip.per_s", baseline.smallPerSecond, "req/s")
    }
}

private final class ResultBox: @unchecked Sendable {
    // @unchecked: written by the task before the semaphore is signalled, read after it.
    var error: (any Error)?
}
