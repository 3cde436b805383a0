import BitcoindRPC
import NIOCore

/// The fixed-rate (open-loop) measurement of `altnet-bench rpc-proxy`.
///
/// Each of the N clients sends on its own schedule (one call every N / rate seconds, the
/// clients' schedules spread evenly over the interval), whatever happened to its previous
/// call; a call that cannot go on time (its client still waits for the previous reply) goes
/// as soon as it can. Latency is counted from the **scheduled** send time, so queueing behind
/// a slow reply is measured, not hidden (no coordinated omission).
extension RPCProxyBench {
    /// Latencies from the scheduled send times, and how late the sends themselves were.
    struct OpenLoopRun {
        var run: Run
        /// How late each call left against its schedule (timer wake-up and client queueing), ns.
        var sendLateness: [UInt64]

        /// Adds a round: latencies pooled, rate and CPU averaged over `rounds`.
        mutating func merge(_ round: OpenLoopRun, rounds: Int) {
            run.latencies += round.run.latencies
            run.requestsPerSecond += round.run.requestsPerSecond / Double(rounds)
            let share = 1 / Double(rounds)
            run.cpu.client += round.run.cpu.client * share
            run.cpu.proxy += round.run.cpu.proxy * share
            run.cpu.upstream += round.run.cpu.upstream * share
            sendLateness += round.sendLateness
        }
    }

    /// `clients` clients sending `rate` calls per second in all, for `seconds`.
    /// - Parameters:
    ///   - rpc: the client (simnode directly, or the proxy).
    ///   - body: the call sent.
    ///   - clients: concurrent connections.
    ///   - rate: calls per second, all clients together.
    ///   - seconds: how long.
    ///   - pids: the parties whose CPU is read.
    /// - Returns: the latencies and the rate achieved.
    /// - Throws: ``BenchFailure`` when a call does not answer 200.
    static func openLoop(
        _ rpc: BitcoindRPCClient, body: ByteBuffer, clients: Int, rate: Double, seconds: Double, pids: RPCProxyBenchPIDs
    ) async throws -> OpenLoopRun {
        let interval = UInt64(Double(clients) / rate * 1e9)
        let perClient = max(1, Int(seconds * rate / Double(clients)))
        let cpuStarted = pids.cpu()
        // A little time for every task to start before the first scheduled send.
        let start = BenchOutput.now() + 20_000_000
        let all = try await withThrowingTaskGroup(of: ([UInt64], [UInt64]).self) { group in
            for client in 0..<clients {
                let offset = interval * UInt64(client) / UInt64(clients)
                group.addTask {
                    var latencies: [UInt64] = []
                    var lateness: [UInt64] = []
                    latencies.reserveCapacity(perClient)
                    lateness.reserveCapacity(perClient)
                    for k in 0..<perClient {
                        let scheduled = start + offset + UInt64(k) * interval
                        let now = BenchOutput.now()
                        if now < scheduled { try await Task.sleep(nanoseconds: scheduled - now) }
                        let sent = BenchOutput.now()
                        lateness.append(sent > scheduled ? sent - scheduled : 0)
                        let reply = try await rpc.forward(body)
                        latencies.append(BenchOutput.now() - scheduled)
                        guard reply.status == 200 else { throw BenchFailure(description: "HTTP \(reply.status)") }
                    }
                    return (latencies, lateness)
                }
            }
            return try await group.reduce(into: ([UInt64](), [UInt64]())) { $0.0 += $1.0; $0.1 += $1.1 }
        }
        let elapsed = Double(BenchOutput.now() - start) / 1e9
        let cpu = pids.cpu().microsecondsPerCall(since: cpuStarted, calls: all.0.count)
        return OpenLoopRun(
            run: Run(latencies: all.0, requestsPerSecond: Double(all.0.count) / elapsed, cpu: cpu),
            sendLateness: all.1)
    }
}
