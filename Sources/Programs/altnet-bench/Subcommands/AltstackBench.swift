import Altstack
import ArgumentParser
import BitcoinPrimitives
import DriverProtocol
import Foundation

/// `altnet-bench altstack`: request round trips through a real driver subprocess, and the
/// latency of carrying a 2,000-header `headers` message core -> driver -> core, each beside
/// the physical baseline measured in the same run: the same bytes echoed by `cat` over pipes.
///
/// Each figure is measured over both framings of the driver pipe (docs/driver-protocol.md): JSON
/// lines with hex payloads (the default, names as before) and binary frames (`.binary.`), with
/// the 2,000-header round trip's ratio to the pipe echo. The whole run is repeated `--runs` times
/// and each figure printed as `.p50`, `.min`, `.max` over the runs (``FigureRuns``).
struct AltstackBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "altstack",
        abstract: "Round trips and 2,000-header latency through a driver subprocess (JSON and binary framing), against a raw pipe echo.")

    @Option(help: "The echo driver (default: altnet-driver-test beside this executable, else .build/debug).")
    var driver: String?

    @Option(help: "Sequential round trips to time.")
    var roundTrips = 5000

    @Option(help: "2,000-header round trips to time.")
    var headersRuns = 200

    @Option(help: "Runs of the whole bench; each figure is printed as its median (.p50), .min and .max over them.")
    var runs = 5

    func validate() throws {
        guard (1...100).contains(runs) else { throw ValidationError("--runs must be in 1...100") }
    }

    func run() throws {
        let path = try driverPath()
        let box = ResultBox()
        let semaphore = DispatchSemaphore(value: 0)
        let (roundTrips, headersRuns, runs) = (self.roundTrips, self.headersRuns, self.runs)
        Task.detached {
            do {
                let figures = FigureRuns()
                for run in 0..<runs {
                    // Alternate which framing goes first, so neither always gets the warmer (or the busier) turn.
                    let order = run % 2 == 0 ? DriverFraming.allCases : DriverFraming.allCases.reversed()
                    try await AltstackBench.measure(driver: path, roundTrips: roundTrips, headersRuns: headersRuns, order: order, into: figures)
                }
                BenchOutput.emit("altstack.runs", Double(runs), "runs")
                figures.emit()
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
    static func headersPayload() -> [UInt8] {
        var bytes: [UInt8] = [0xFD, 0xD0, 0x07]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            for _ in 0..<80 { bytes.append(UInt8.random(in: 0...255, using: &generator)) }
            bytes.append(0)
        }
        return bytes
    }

    /// One run: both framings through the same echo driver, then the pipe echo baselines.
    static func measure(driver: String, roundTrips: Int, headersRuns: Int, order: [DriverFraming], into figures: FigureRuns) async throws {
        let payload = headersPayload()
        let hex = Hex.encode(payload)
        var configs: [DriverConfig] = []
        for framing in DriverFraming.allCases {
            var config = DriverConfig(
                name: framing.rawValue, executable: driver, arguments: ["--name", framing.rawValue, "--kinds", "headers", "--echo"],
                dataDir: FileManager.default.temporaryDirectory.appendingPathComponent("altnet-bench").path,
                timeouts: .init(heartbeatInterval: .seconds(60)))
            config.framings = [framing]
            configs.append(config)
        }
        let altstack = Altstack(drivers: configs)
        let runner = Task { try await altstack.run() }
        defer { runner.cancel() }
        guard await altstack.waitUntilReady(count: configs.count, timeout: Duration.seconds(20)) else {
            throw ValidationError("the echo drivers did not become ready")
        }
        var headersMs: [DriverFraming: Double] = [:]
        for framing in order {
            guard let supervisor = altstack.supervisor(named: framing.rawValue), supervisor.snapshot.framing == framing else {
                throw ValidationError("the \(framing.rawValue) driver is not on \(framing.rawValue) framing")
            }
            // JSON callers hold hex (as before); binary callers hold bytes, which never become hex.
            let message = framing == .json
                ? DriverP2PMessage(command: "headers", payload: hex) : DriverP2PMessage(command: "headers", payloadBytes: payload)
            headersMs[framing] = try await measure(
                supervisor, name: framing == .json ? "altstack" : "altstack.binary", big: message, payloadBytes: payload.count,
                roundTrips: roundTrips, headersRuns: headersRuns, into: figures)
        }
        altstack.stop()
        _ = try? await runner.value

        // Physical baseline: the same line through `cat` over pipes, and one-byte-line round trips;
        // also the binary frame's bytes, for reference.
        let line = Array("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"peer\":\"p1\",\"replies\":[{\"command\":\"headers\",\"payload\":\"\(hex)\"}]}}\n".utf8)
        let baseline = try PipeEcho.measure(line: line, runs: headersRuns, smallRuns: roundTrips)
        let frame = try RPCCodec.result(
            id: .number(1), SendMessageResult(peer: "p1", replies: [DriverP2PMessage(command: "headers", payloadBytes: payload)]), framing: .binary)
        let frameBaseline = try PipeEcho.measure(line: frame, runs: headersRuns, smallRuns: 1)
        figures.record("altstack.baseline.pipe_echo_headers2000_ms", baseline.bigP50, "ms")
        figures.record("altstack.baseline.pipe_echo_headers2000_binary_ms", frameBaseline.bigP50, "ms")
        figures.record("altstack.baseline.pipe_echo_roundtrip.per_s", baseline.smallPerSecond, "req/s")
        figures.record("altstack.headers2000.ratio_vs_pipe_echo", (headersMs[.json] ?? 0) / baseline.bigP50, "x")
        figures.record("altstack.headers2000.binary.ratio_vs_pipe_echo", (headersMs[.binary] ?? 0) / baseline.bigP50, "x")
    }

    /// Round trips (one in flight, then 64) and the 2,000-header echo through one driver.
    /// - Returns: the 2,000-header round trip's median in this run, in ms.
    private static func measure(
        _ supervisor: DriverSupervisor, name: String, big message: DriverP2PMessage, payloadBytes: Int,
        roundTrips: Int, headersRuns: Int, into figures: FigureRuns
    ) async throws -> Double {
        let small = SendMessageParams(message: DriverP2PMessage(command: "getheaders", payload: "00"), expect: ["getheaders"])
        for _ in 0..<200 { _ = try await supervisor.call(Methods.sendMessage, small) }
        var start = BenchOutput.now()
        for _ in 0..<roundTrips { _ = try await supervisor.call(Methods.sendMessage, small) }
        figures.record("\(name).roundtrip.per_s", Double(roundTrips) / (Double(BenchOutput.now() - start) / 1e9), "req/s")

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
        figures.record("\(name).roundtrip.pipelined64.per_s", Double(roundTrips) / (Double(BenchOutput.now() - start) / 1e9), "req/s")

        // The 2,000-header message, echoed.
        let big = SendMessageParams(message: message, expect: ["headers"])
        var samples: [Double] = []
        for run in 0..<(headersRuns + 10) {
            let t0 = BenchOutput.now()
            let result = try await supervisor.call(Methods.sendMessage, big).result(as: SendMessageResult.self)
            let ms = Double(BenchOutput.now() - t0) / 1e6
            guard result.replies.first?.payloadHexCount == payloadBytes * 2 else {
                throw ValidationError("echo returned a different payload")
            }
            if run >= 10 { samples.append(ms) }
        }
        samples.sort()
        let headers = name == "altstack" ? "altstack.headers2000" : "altstack.headers2000.binary"
        figures.record("\(headers).roundtrip_ms", samples[samples.count / 2], "ms")
        figures.record("\(headers).roundtrip_ms_p90", samples[samples.count * 9 / 10], "ms")
        return samples[samples.count / 2]
    }
}

private final class ResultBox: @unchecked Sendable {
    // @unchecked: written by the task before the semaphore is signalled, read after it.
    var error: (any Error)?
}
