import AltLogic
import ArgumentParser
import Foundation
import Logging

/// `altnet-bench rescue`: Alice's simnode is `n` blocks behind Bob's; AltLogicValidation's rescue
/// (called as the stale-tip anomaly would) fetches headers and blocks from Bob over the
/// Lightning driver pair on loopback. Times from the call to the first header bitcoind accepted
/// and to Alice's tip reaching Bob's, for 10 and 2,000 missing blocks; beside them the limit
/// measured in the same run: the same blocks copied straight from Bob's simnode to another node by
/// RPC (getblock / submitblock batches), with no altnet in between, and the ratio of the two.
/// Each count is rescued under Bob's default serving budget (`rescue.N.*`) and with it lifted
/// (`rescue.N.lifted.*`), each with the CPU its parties spent and the floor that CPU sets on this
/// machine (``RescueParties``) and the floor Bob's request budget sets.
struct RescueBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rescue",
        abstract: "Rescue latency over the Lightning driver (10 and 2,000 missing blocks), against a direct RPC copy.")

    @Option(help: "Directory holding altnet-harness and altnet-driver-lightning (default: beside this executable, else .build/debug).")
    var binDir: String?

    @Option(parsing: .upToNextOption, help: "Missing-block counts to measure.")
    var missing: [Int] = [10, 2000]

    @Option(parsing: .upToNextOption, help: "Bob's serving budgets to rescue under: default (the daemon's), lifted (no request or byte limit).")
    var budget: [Budget] = [.default, .lifted]

    func run() throws {
        let dir = try binaries()
        let (counts, budgets) = (missing, budget)
        let box = BenchErrorBox()
        let semaphore = DispatchSemaphore(value: 0)
        Task.detached {
            do {
                for n in counts { try await RescueBench.measure(missing: n, budgets: budgets, binDir: dir) }
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

    /// Bob's serving budget in a measurement: the daemon's defaults, or lifted (to see what the
    /// machinery costs where the budget does not bind: tiny regtest blocks spend request tokens,
    /// not byte credit, so the default 200 requests/s per peer bounds them).
    enum Budget: String, ExpressibleByArgument, CaseIterable {
        case `default`, lifted

        var limits: ServingLimits {
            switch self {
            case .default: ServingLimits()
            case .lifted: ServingLimits(peerRequestsPerSecond: 1e9, peerBytesPerSecond: 1e12,
                                        driverRequestsPerSecond: 1e9, driverBytesPerSecond: 1e12)
            }
        }
    }

    /// Measures `n` missing blocks under each budget, then the direct copy of the same blocks.
    /// Figures: `rescue.N.*` under the default budget, `rescue.N.lifted.*` with it lifted.
    static func measure(missing n: Int, budgets: [Budget], binDir: String) async throws {
        let harness = binDir + "/altnet-harness"
        let bob = try await Task.detached { try BenchSimnode(harness: harness, name: "bob") }.value
        defer { bob.stop() }
        try await bob.mine(5)
        try await bob.mine(n)

        // The limit: the same blocks straight from Bob's simnode to a fresh node by RPC.
        let fresh = try await Task.detached { try BenchSimnode(harness: harness, name: "direct") }.value
        defer { fresh.stop() }
        try await fresh.copyBlocks(from: bob, upTo: 5)
        var parties = RescueParties(parties: [
            .init(name: "bench", pid: 0), .init(name: "simnode_to", pid: fresh.process.processIdentifier),
            .init(name: "simnode_from", pid: bob.process.processIdentifier),
        ])
        parties.start()
        let start = BenchOutput.now()
        let copied = try await fresh.copyBlocks(from: bob)
        let directMs = Double(BenchOutput.now() - start) / 1e6
        let spent = parties.spent()
        guard copied == n else { throw BenchSimnode.Failure(description: "the direct copy moved \(copied) blocks, not \(n)") }
        BenchOutput.emit("rescue.\(n).baseline.rpc_copy_ms", directMs, "ms")
        let directCPU = RescueParties.emit(spent, prefix: "rescue.\(n).baseline", blocks: n, directMs: 0, cores: 0)

        for budget in budgets {
            let prefix = budget == .default ? "rescue.\(n)" : "rescue.\(n).\(budget.rawValue)"
            try await rescue(from: bob, missing: n, budget: budget, prefix: prefix, direct: (directMs, directCPU), binDir: binDir)
        }
    }

    /// One rescue of Bob's last `n` blocks by a fresh Alice, with its figures under `prefix`.
    /// - Parameter direct: the direct copy's wall milliseconds and CPU seconds (all its parties).
    private static func rescue(from bob: BenchSimnode, missing n: Int, budget: Budget, prefix: String,
                               direct: (ms: Double, cpu: Double), binDir: String) async throws {
        var logger = Logger(label: "altnet-bench.rescue")
        logger.logLevel = .critical
        let harness = binDir + "/altnet-harness"
        let alice = try await Task.detached { try BenchSimnode(harness: harness, name: "alice") }.value
        defer { alice.stop() }
        try await alice.copyBlocks(from: bob, upTo: 5)
        let pair = try BenchLightningPair(driver: binDir + "/altnet-driver-lightning", bobRPC: bob.rpc,
                                          servingLimits: budget.limits, logger: logger)
        guard await pair.linked(timeout: .seconds(30)) else {
            await pair.stop()
            throw BenchSimnode.Failure(description: "the Lightning drivers did not link")
        }
        let pids = pair.driverPIDs
        var parties = RescueParties(parties: [
            .init(name: "bench", pid: 0), .init(name: "driver_alice", pid: pids.alice ?? -1),
            .init(name: "driver_bob", pid: pids.bob ?? -1), .init(name: "simnode_alice", pid: alice.process.processIdentifier),
            .init(name: "simnode_bob", pid: bob.process.processIdentifier),
        ])
        parties.start()
        let validation = AltLogicValidation(altstack: pair.alice, bitcoind: alice.rpc, chain: .regtest, logger: logger)
        let report = await validation.rescue(trigger: "stale-tip")
        let spent = parties.spent()
        let requests = pair.serving.stats.admitted
        await pair.stop()
        guard report.outcome == .caughtUp, let first = report.firstHeaderMs, let caughtUp = report.caughtUpMs else {
            throw BenchSimnode.Failure(description: "rescue of \(n) blocks: \(report.outcome)")
        }
        BenchOutput.emit("\(prefix).first_header_ms", first, "ms")
        BenchOutput.emit("\(prefix).caught_up_ms", caughtUp, "ms")
        BenchOutput.emit("\(prefix).blocks_per_s", Double(report.blocksSubmitted) / (caughtUp / 1000), "blocks/s")
        BenchOutput.emit("\(prefix).ratio_vs_direct", caughtUp / direct.ms, "ratio")
        let cpu = RescueParties.emit(spent, prefix: prefix, blocks: report.blocksSubmitted, directMs: direct.ms,
                                     cores: ProcessInfo.processInfo.activeProcessorCount)
        // The least ratio_vs_direct when both paths get the same CPU time (and both are CPU-bound).
        if direct.cpu > 0 { BenchOutput.emit("\(prefix).same_cpu_ratio", cpu / direct.cpu, "ratio") }
        // Bob's request budget: past its burst, requests pass at its rate.
        let limits = budget.limits
        let burst = max(1, limits.peerRequestsPerSecond * 2)  // ServingLimits.requestBurst
        BenchOutput.emit("\(prefix).serving_requests", Double(requests), "requests")
        BenchOutput.emit("\(prefix).serving_budget_floor_ms",
                         max(0, Double(requests) - burst) / limits.peerRequestsPerSecond * 1000, "ms")
    }
}

private final class BenchErrorBox: @unchecked Sendable {
    // @unchecked: written by the task before the semaphore is signalled, read after it.
    var error: (any Error)?
}
