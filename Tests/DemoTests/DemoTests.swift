import Foundation
import Testing
import TestSupport

/// `altnet-harness demo`, the README's first command, run as a user runs it: two simnodes and two
/// altnetds rescue each other; it must exit 0, narrate the rescue over each driver, and leave no
/// process behind.
@Suite(.serialized) struct DemoTests {
    struct Run: Sendable {
        let status: Int32
        let output: String
    }

    /// Runs the demo with `arguments` in a work directory of its own and returns its exit status and output.
    static func demo(_ arguments: [String], workdir: String) async throws -> Run {
        let harness = try BuiltProduct.path("altnet-harness")
        return try await offPool {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: harness)
            process.arguments = ["demo", "--workdir", workdir, "--keep"] + arguments
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = pipe
            try process.run()
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return Run(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
        }
    }

    /// Processes whose command line mentions `path` (the demo's children all take it as a datadir).
    static func processes(mentioning path: String) -> [String] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.filter { Int($0) != nil }.compactMap { pid in
            guard let raw = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return nil }
            let line = String(decoding: raw.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
            return line.contains(path) ? "\(pid): \(line)" : nil
        }
    }

    static func makeWorkdir() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("altnet-demo-test-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func aliceCatchesUpOverBothDriversThenLightningAloneAndSendsAnEmergencyTx() async throws {
        let dir = try Self.makeWorkdir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let run = try await Self.demo([], workdir: dir)
        #expect(run.status == 0, "demo failed:\n\(run.output)")
        #expect(run.output.contains("demo passed"))
        #expect(run.output.contains("stale-tip"))
        #expect(run.output.contains("(20 of 20 blocks)"))
        #expect(run.output.contains("(10 of 10 blocks)"))
        #expect(run.output.contains("carried by lightning"), "act two must go over Lightning:\n\(run.output)")
        #expect(run.output.contains("Bob's bitcoind has it in its mempool"))
        #expect(Self.processes(mentioning: dir).isEmpty, "left behind: \(Self.processes(mentioning: dir))")
    }

    @Test func bip324Alone() async throws {
        let dir = try Self.makeWorkdir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let run = try await Self.demo(["--drivers", "bip324", "--blocks", "12"], workdir: dir)
        #expect(run.status == 0, "demo failed:\n\(run.output)")
        #expect(run.output.contains("carried by bip324"), "\(run.output)")
        #expect(Self.processes(mentioning: dir).isEmpty, "left behind: \(Self.processes(mentioning: dir))")
    }

    @Test func failsAndCleansUpWhenAliceCannotCatchUp() async throws {
        // A timeout shorter than the stale-tip threshold: the watchdog has not even fired when
        // the demo gives up, so it must say FAILED, exit 1 and still stop every process.
        let dir = try Self.makeWorkdir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let run = try await Self.demo(["--drivers", "lightning", "--stale-tip-seconds", "30", "--timeout", "2"], workdir: dir)
        #expect(run.status == 1, "\(run.output)")
        #expect(run.output.contains("FAILED"))
        #expect(Self.processes(mentioning: dir).isEmpty, "left behind: \(Self.processes(mentioning: dir))")
    }

    /// The same demo on real Bitcoin Core processes (`--bitcoind`). Runs only when
    /// ALTNET_BITCOIND names a bitcoind (v26 or later; ALTNET_BITCOIN_CLI optionally a
    /// bitcoin-cli): no Bitcoin Core package exists on the build machines.
    @Test func onRealBitcoind() async throws {
        let environment = ProcessInfo.processInfo.environment
        guard let bitcoind = environment["ALTNET_BITCOIND"], !bitcoind.isEmpty else {
            print("DemoTests.onRealBitcoind skipped: set ALTNET_BITCOIND=/path/to/bitcoind (v26 or later) to run the demo on Bitcoin Core")
            return
        }
        let dir = try Self.makeWorkdir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var arguments = ["--bitcoind", bitcoind]
        if let cli = environment["ALTNET_BITCOIN_CLI"], !cli.isEmpty { arguments += ["--bitcoin-cli", cli] }
        let run = try await Self.demo(arguments, workdir: dir)
        #expect(run.status == 0, "demo on bitcoind failed:\n\(run.output)")
        #expect(run.output.contains("here: Bitcoin Core (\(bitcoind)) in regtest"))
        #expect(run.output.contains("(20 of 20 blocks)") && run.output.contains("(10 of 10 blocks)"), "\(run.output)")
        #expect(run.output.contains("Bob's bitcoind has it in its mempool"))
        #expect(Self.processes(mentioning: dir).isEmpty, "left behind: \(Self.processes(mentioning: dir))")
    }

    /// Option checks: --bitcoind must be an executable, --bitcoin-cli needs --bitcoind.
    @Test func bitcoindOptionsAreChecked() async throws {
        let dir = try Self.makeWorkdir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let missing = try await Self.demo(["--bitcoind", "/nonexistent/bitcoind"], workdir: dir)
        #expect(missing.status != 0 && missing.output.contains("is not an executable file"), "\(missing.output)")
        let cliAlone = try await Self.demo(["--bitcoin-cli", "/bin/true"], workdir: dir)
        #expect(cliAlone.status != 0 && cliAlone.output.contains("--bitcoin-cli needs --bitcoind"), "\(cliAlone.output)")
    }
}
