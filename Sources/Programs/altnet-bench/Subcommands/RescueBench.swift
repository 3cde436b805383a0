import AltLogic
import ArgumentParser
import Foundation
import Logging

/// `altnet-bench rescue`: Alice's simnode is `n` blocks behind Bob's; AltLogicValidation's rescue
/// (called as the stale-tip anomaly would) fetches headers and blocks from Bob over the
/// Lightning driver pair on loopback. Times from the call to the first header bitcoind accepted
/// and to Alice's tip reaching Bob's, for 10 and 2,000 missing blocks; beside them the limit
/// measured in the same run: the same blocks copied straight from Bob's simnode to Alice's by
/// RPC (getblock / submitblock batches), with no altnet in between.
struct RescueBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rescue",
        abstract: "Rescue latency over the Lightning driver (10 and 2,000 missing blocks), against a direct RPC copy.")

    @Option(help: "Directory holding altnet-harness and altnet-driver-lightning (default: beside this executable, else .build/debug).")
    var binDir: String?

    @Option(parsing: .upToNextOption, help: "Missing-block counts to measure.")
    var missing: [Int] = [10, 2000]

    func run() throws {
        let dir = try binaries()
        let counts = missing
        let box = BenchErrorBox()
        let semaphore = DispatchSemaphore(value: 0)
        Task.detached {
            do {
                for n in counts { try await RescueBench.measure(missing: n, binDir: dir) }
            } catch {
                box.error = error
            }
            semaphore.signal()
        }
        semaphore.wait()
        if let error = box.error { throw error }
    }

    private func binaries() throws -> String {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
        for candidate in [binDir, beside, ".build/debug"].compactMap({ $0 }) {
            if FileManager.default.isExecutableFile(atPath: candidate + "/altnet-harness"),
               FileManager.default.isExecutableFile(atPath: candidate + "/altnet-driver-lightning") {
                return candidate
            }
        }
        throw ValidationError("altnet-harness and altnet-driver-lightning not found; build them (swift build --product ...) or pass --bin-dir")
    }

    static func measure(missing n: Int, binDir: String) async throws {
        var logger = Logger(label: "altnet-bench.rescue")
        logger.logLevel = .critical
        let harness = binDir + "/altnet-harness"
        let alice = try await Task.detached { try BenchSimnode(harness: harness, name: "alice") }.value
        defer { alice.stop() }
        let bob = try await Task.detached { try BenchSimnode(harness: harness, name: "bob") }.value
        defer { bob.stop() }
        try await bob.mine(5)
        try await alice.copyBlocks(from: bob)
        try await bob.mine(n)
        let pair = try BenchLightningPair(driver: binDir + "/altnet-driver-lightning", bobRPC: bob.rpc, logger: logger)
        guard await pair.linked(timeout: .seconds(30)) else {
            await pair.stop()
            throw BenchSimnode.Failure(description: "the Lightning drivers did not link")
        }
        let validation = AltLogicValidation(altstack: pair.alice, bitcoind: alice.rpc, chain: .regtest, logger: logger)
        let report = await validation.rescue(trigger: "stale-tip")
        await pair.stop()
        guard report.outcome == .caughtUp, let first = report.firstHeaderMs, let caughtUp = report.caughtUpMs else {
            throw BenchSimnode.Failure(description: "rescue of \(n) blocks: \(report.outcome)")
        }
        BenchOutput.emit("rescue.\(n).first_header_ms", first, "ms")
        BenchOutput.emit("rescue.\(n).caught_up_ms", caughtUp, "ms")
        BenchOutput.emit("rescue.\(n).blocks_per_s", Double(report.blocksSubmitted) / (caughtUp / 1000), "blocks/s")

        // The limit: the same blocks straight from Bob's simnode to a fresh Alice by RPC.
        let fresh = try await Task.detached { try BenchSimnode(harness: harness, name: "alice2") }.value
        defer { fresh.stop() }
        let start = BenchOutput.now()
        let copied = try await fresh.copyBlocks(from: bob)
        let ms = Double(BenchOutput.now() - start) / 1e6
        BenchOutput.emit("rescue.\(n).baseline.rpc_copy_ms", ms * Double(n) / Double(max(1, copied)), "ms")
    }
}

private final class BenchErrorBox: @unchecked Sendable {
    // @unchecked: written by the task before the semaphore is signalled, read after it.
    var error: (any Error)?
}
