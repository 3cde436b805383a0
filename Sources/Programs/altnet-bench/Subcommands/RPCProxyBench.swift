import ArgumentParser
import BitcoindRPC
import Foundation
import NIOCore
import RPCProxyCore
import Simnode

/// `altnet-bench rpc-proxy`: the same JSON-RPC calls sent straight to the upstream node
/// (simnode, or a regtest bitcoind with `--bitcoind PATH`) and through the RPC proxy (the code
/// of `altnet-driver-rpc proxy`), in one run, over real loopback sockets. The bench is the load
/// client; the node and the proxy are processes of their own (``BenchPartyCommand``), so each
/// party's CPU per call is read from its /proc/PID/stat:
/// the saturated requests per second with N concurrent keep-alive clients calling in a loop,
/// and the latency the proxy adds (p50, p99) with N clients at a fixed total rate well below
/// saturation (open loop, latency from each call's scheduled time; direct and proxy rounds
/// alternate so both see the same machine load). The direct figures are the limit: the proxy
/// forwards to that same node. Beside `rpcproxy.saturated.ratio_vs_direct`, the ceiling the
/// parties' CPU per call allows on these cores (``RPCProxyCeiling``):
/// `rpcproxy.saturated.ceiling_ratio` and `rpcproxy.saturated.ratio_of_ceiling`.
struct RPCProxyBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rpc-proxy",
        abstract: "Requests/s and added latency of the RPC proxy against calling simnode directly.")

    @Option(help: "Concurrent keep-alive clients.")
    var clients = 64

    @Option(help: "Keep-alive connections from the proxy to the upstream node (the proxy's --rpc-connections, which defaults to bitcoind's work queue: 64 from v29, 16 before); default here: --clients, so the proxy never makes a client wait for a connection.")
    var proxyConnections: Int?

    @Option(help: "Seconds per loaded measurement.")
    var seconds = 3.0

    @Option(help: "Calls per second, all clients together, for the fixed-rate latency (open loop).")
    var rate = 2000.0

    @Option(help: "Alternating direct/proxy rounds of --seconds each at the fixed rate.")
    var rounds = 3

    @Flag(help: "Run the proxy with every call on its task path (the forwarding before the event-loop path), for comparison.")
    var taskPath = false

    @Option(help: "Sequential calls per unloaded measurement.")
    var sequential = 2000

    @Option(help: "A bitcoind executable: the bench starts it on regtest in a temporary data directory as the upstream instead of simnode, and stops and removes it afterwards.")
    var bitcoind: String?

    @Option(help: "bitcoind's -rpcthreads (with --bitcoind).")
    var rpcThreads = 16

    @Option(help: "bitcoind's -rpcworkqueue (with --bitcoind).")
    var rpcWorkQueue = 64

    func validate() throws {
        guard (1...1024).contains(clients) else { throw ValidationError("--clients must be in 1...1024") }
        guard seconds > 0, seconds <= 60 else { throw ValidationError("--seconds must be in (0, 60]") }
        guard rate >= 1, rate <= 1_000_000 else { throw ValidationError("--rate must be in [1, 1000000]") }
        guard (1...20).contains(rounds) else { throw ValidationError("--rounds must be in 1...20") }
        guard sequential > 0 else { throw ValidationError("--sequential must be positive") }
        if let proxyConnections, !(1...1024).contains(proxyConnections) { throw ValidationError("--proxy-connections must be in 1...1024") }
        guard rpcThreads > 0, rpcWorkQueue > 0 else { throw ValidationError("--rpc-threads and --rpc-work-queue must be positive") }
        if let bitcoind, !FileManager.default.isExecutableFile(atPath: bitcoind) {
            throw ValidationError("--bitcoind \(bitcoind) is not an executable file")
        }
    }

    func run() throws {
        let box = BenchErrorBox()
        let semaphore = DispatchSemaphore(value: 0)
        let settings = self
        Task.detached {
            do {
                try await settings.measure()
            } catch {
                box.error = error
            }
            semaphore.signal()
        }
        semaphore.wait()
        if let error = box.error { throw error }
    }

    /// Latencies in nanoseconds and the rate they were achieved at.
    struct Run {
        var latencies: [UInt64]
        var requestsPerSecond: Double
        /// CPU time (user + system) per call of each party: clients, proxy, upstream node.
        var cpu = PartyCPU()
        /// All parties' CPU microseconds per call.
        var cpuMicrosecondsPerRequest: Double { cpu.total }

        func percentile(_ p: Double) -> Double { RPCProxyBench.percentile(latencies, p) }
    }

    /// The `p` quantile (0...1) of `values`; 0 when empty.
    static func percentile(_ values: [UInt64], _ p: Double) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        return Double(sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))])
    }

    /// `clients` tasks calling in a loop for `seconds`.
    static func loaded(_ rpc: BitcoindRPCClient, body: ByteBuffer, clients: Int, seconds: Double, pids: RPCProxyBenchPIDs) async throws -> Run {
        let started = BenchOutput.now()
        let cpuStarted = pids.cpu()
        let end = started + UInt64(seconds * 1e9)
        let all = try await withThrowingTaskGroup(of: [UInt64].self) { group in
            for _ in 0..<clients {
                group.addTask {
                    var latencies: [UInt64] = []
                    latencies.reserveCapacity(4096)
                    while BenchOutput.now() < end {
                        let t0 = BenchOutput.now()
                        let reply = try await rpc.forward(body)
                        latencies.append(BenchOutput.now() - t0)
                        guard reply.status == 200 else { throw BenchFailure(description: "HTTP \(reply.status)") }
                    }
                    return latencies
                }
            }
            return try await group.reduce(into: [UInt64]()) { $0 += $1 }
        }
        let elapsed = Double(BenchOutput.now() - started) / 1e9
        let cpu = pids.cpu().microsecondsPerCall(since: cpuStarted, calls: all.count)
        return Run(latencies: all, requestsPerSecond: Double(all.count) / elapsed, cpu: cpu)
    }

    /// One client, one call at a time.
    static func unloaded(_ rpc: BitcoindRPCClient, body: ByteBuffer, calls: Int) async throws -> Run {
        var latencies: [UInt64] = []
        latencies.reserveCapacity(calls)
        let started = BenchOutput.now()
        for _ in 0..<calls {
            let t0 = BenchOutput.now()
            let reply = try await rpc.forward(body)
            latencies.append(BenchOutput.now() - t0)
            guard reply.status == 200 else { throw BenchFailure(description: "HTTP \(reply.status)") }
        }
        return Run(latencies: latencies, requestsPerSecond: Double(calls) / (Double(BenchOutput.now() - started) / 1e9))
    }
}

struct BenchFailure: Error, CustomStringConvertible { let description: String }

private final class BenchErrorBox: @unchecked Sendable {
    // @unchecked: written by the task before the semaphore is signalled, read after it.
    var error: (any Error)?
}
