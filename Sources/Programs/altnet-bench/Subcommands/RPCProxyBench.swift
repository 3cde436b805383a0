import ArgumentParser
import BitcoindRPC
import Foundation
import NIOCore
import RPCProxyCore
import Simnode

/// `altnet-bench rpc-proxy`: the same JSON-RPC calls sent straight to simnode and through
/// `altnet-driver-rpc proxy`, in one run, both in-process over real loopback sockets:
/// the saturated requests per second with N concurrent keep-alive clients calling in a loop,
/// and the latency the proxy adds (p50, p99) with N clients at a fixed total rate well below
/// saturation (open loop, latency from each call's scheduled time; direct and proxy rounds
/// alternate so both see the same machine load). The direct figures are the limit: the proxy
/// forwards to that same simnode.
struct RPCProxyBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rpc-proxy",
        abstract: "Requests/s and added latency of the RPC proxy against calling simnode directly.")

    @Option(help: "Concurrent keep-alive clients.")
    var clients = 64

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

    func validate() throws {
        guard (1...1024).contains(clients) else { throw ValidationError("--clients must be in 1...1024") }
        guard seconds > 0, seconds <= 60 else { throw ValidationError("--seconds must be in (0, 60]") }
        guard rate >= 1, rate <= 1_000_000 else { throw ValidationError("--rate must be in [1, 1000000]") }
        guard (1...20).contains(rounds) else { throw ValidationError("--rounds must be in 1...20") }
        guard sequential > 0 else { throw ValidationError("--sequential must be positive") }
    }

    func run() throws {
        let box = BenchErrorBox()
        let semaphore = DispatchSemaphore(value: 0)
        let (clients, seconds, sequential, rate, rounds, taskPath) = (self.clients, self.seconds, self.sequential, self.rate, self.rounds, self.taskPath)
        Task.detached {
            do {
                try await RPCProxyBench.measure(clients: clients, seconds: seconds, sequential: sequential, rate: rate, rounds: rounds, taskPath: taskPath)
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
        /// Process CPU time (user + system, every thread: clients, proxy and simnode) per call.
        var cpuMicrosecondsPerRequest = 0.0

        func percentile(_ p: Double) -> Double { RPCProxyBench.percentile(latencies, p) }
    }

    /// The `p` quantile (0...1) of `values`; 0 when empty.
    static func percentile(_ values: [UInt64], _ p: Double) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        return Double(sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))])
    }

    static func measure(clients: Int, seconds: Double, sequential: Int, rate: Double, rounds: Int, taskPath: Bool) async throws {
        let dir = NSTemporaryDirectory() + "altnet-bench-rpcproxy-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let simnode = try await SimnodeServer.start(SimnodeServer.Configuration(datadir: dir + "/simnode"))
        let simnodeCookie = dir + "/simnode/regtest/.cookie"
        var options = RPCProxyOptions(
            bitcoindHost: "127.0.0.1", bitcoindPort: simnode.rpcPort, bitcoindCredentials: .cookieFile(simnodeCookie),
            datadir: dir + "/proxy")
        options.listenPort = 0
        options.bitcoindConnections = clients
        options.eventLoopForwarding = !taskPath
        let proxy = try await RunningRPCProxy.start(options)
        func client(port: Int, credentials: RPCCredentials) -> BitcoindRPCClient {
            var config = BitcoindRPCClient.Configuration(port: port, credentials: credentials)
            config.maxConnections = clients
            config.maxIdleConnections = clients
            return BitcoindRPCClient(config)
        }
        let direct = client(port: simnode.rpcPort, credentials: .cookieFile(simnodeCookie))
        let viaProxy = client(port: proxy.port, credentials: .cookieFile(proxy.cookie.path))
        let _: [String] = try await direct.call("simgenerate", [10])
        let body = ByteBuffer(string: #"{"jsonrpc":"1.0","id":"bench","method":"getblockhash","params":[5]}"#)

        // Warm both paths (connections, caches), then measure: saturated (closed loop) direct,
        // then proxy; then the fixed rate, direct and proxy rounds alternating.
        _ = try await loaded(direct, body: body, clients: clients, seconds: 0.5)
        _ = try await loaded(viaProxy, body: body, clients: clients, seconds: 0.5)
        let directLoaded = try await loaded(direct, body: body, clients: clients, seconds: seconds)
        let proxyLoaded = try await loaded(viaProxy, body: body, clients: clients, seconds: seconds)
        var directFixed = OpenLoopRun(run: Run(latencies: [], requestsPerSecond: 0), sendLateness: [])
        var proxyFixed = directFixed
        for _ in 0..<rounds {
            for (path, isProxy) in [(direct, false), (viaProxy, true)] {
                let round = try await openLoop(path, body: body, clients: clients, rate: rate, seconds: seconds)
                if isProxy { proxyFixed.merge(round, rounds: rounds) } else { directFixed.merge(round, rounds: rounds) }
            }
        }
        let directSeq = try await unloaded(direct, body: body, calls: sequential)
        let proxySeq = try await unloaded(viaProxy, body: body, calls: sequential)

        BenchOutput.emit("rpcproxy.clients", Double(clients), "connections")
        BenchOutput.emit("rpcproxy.fixed_rate", rate, "req/s")
        BenchOutput.emit("rpcproxy.event_loop_path", taskPath ? 0 : 1, "bool")
        // Saturated: N clients calling in a loop; the machine (clients, proxy, simnode on the
        // same cores) is the limit, latency there is queueing.
        BenchOutput.emit("rpcproxy.direct.requests_per_s", directLoaded.requestsPerSecond, "req/s")
        BenchOutput.emit("rpcproxy.requests_per_s", proxyLoaded.requestsPerSecond, "req/s")
        BenchOutput.emit("rpcproxy.saturated.added_latency_us.p50", (proxyLoaded.percentile(0.5) - directLoaded.percentile(0.5)) / 1000, "us")
        // Everything runs in this process: the difference is the proxy's CPU cost per call.
        BenchOutput.emit("rpcproxy.direct.cpu_us_per_request", directFixed.run.cpuMicrosecondsPerRequest, "us")
        BenchOutput.emit("rpcproxy.cpu_us_per_request", proxyFixed.run.cpuMicrosecondsPerRequest, "us")
        BenchOutput.emit("rpcproxy.saturated.direct.cpu_us_per_request", directLoaded.cpuMicrosecondsPerRequest, "us")
        BenchOutput.emit("rpcproxy.saturated.cpu_us_per_request", proxyLoaded.cpuMicrosecondsPerRequest, "us")
        // The fixed rate: N clients, latency from each call's scheduled send time.
        BenchOutput.emit("rpcproxy.fixed_rate.direct.achieved_per_s", directFixed.run.requestsPerSecond, "req/s")
        BenchOutput.emit("rpcproxy.fixed_rate.achieved_per_s", proxyFixed.run.requestsPerSecond, "req/s")
        BenchOutput.emit("rpcproxy.direct.latency_us.p50", directFixed.run.percentile(0.5) / 1000, "us")
        BenchOutput.emit("rpcproxy.direct.latency_us.p99", directFixed.run.percentile(0.99) / 1000, "us")
        BenchOutput.emit("rpcproxy.latency_us.p50", proxyFixed.run.percentile(0.5) / 1000, "us")
        BenchOutput.emit("rpcproxy.latency_us.p99", proxyFixed.run.percentile(0.99) / 1000, "us")
        BenchOutput.emit("rpcproxy.direct.send_late_us.p50", percentile(directFixed.sendLateness, 0.5) / 1000, "us")
        BenchOutput.emit("rpcproxy.send_late_us.p50", percentile(proxyFixed.sendLateness, 0.5) / 1000, "us")
        BenchOutput.emit("rpcproxy.added_latency_us.p50", (proxyFixed.run.percentile(0.5) - directFixed.run.percentile(0.5)) / 1000, "us")
        BenchOutput.emit("rpcproxy.added_latency_us.p99", (proxyFixed.run.percentile(0.99) - directFixed.run.percentile(0.99)) / 1000, "us")
        BenchOutput.emit("rpcproxy.unloaded.direct.latency_us.p50", directSeq.percentile(0.5) / 1000, "us")
        BenchOutput.emit("rpcproxy.unloaded.added_latency_us.p50", (proxySeq.percentile(0.5) - directSeq.percentile(0.5)) / 1000, "us")
        BenchOutput.emit("rpcproxy.unloaded.added_latency_us.p99", (proxySeq.percentile(0.99) - directSeq.percentile(0.99)) / 1000, "us")

        await direct.close()
        await viaProxy.close()
        await proxy.close()
        await simnode.shutdown()
    }

    /// `clients` tasks calling in a loop for `seconds`.
    static func loaded(_ rpc: BitcoindRPCClient, body: ByteBuffer, clients: Int, seconds: Double) async throws -> Run {
        let started = BenchOutput.now()
        let cpuStarted = cpuSeconds()
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
        let cpu = (cpuSeconds() - cpuStarted) * 1e6 / Double(max(1, all.count))
        return Run(latencies: all, requestsPerSecond: Double(all.count) / elapsed, cpuMicrosecondsPerRequest: cpu)
    }

    /// User and system CPU seconds of this process so far.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        #if os(Linux)
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        #else
        getrusage(RUSAGE_SELF, &usage)
        #endif
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
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
