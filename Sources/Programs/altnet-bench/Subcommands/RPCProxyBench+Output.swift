/// The lines `altnet-bench rpc-proxy` prints (docs/rpc-proxy.md, "Performance", reads them).
extension RPCProxyBench {
    func emit(directLoaded: Run, proxyLoaded: Run, directFixed: OpenLoopRun, proxyFixed: OpenLoopRun, directSeq: Run, proxySeq: Run) {
        BenchOutput.emit("rpcproxy.clients", Double(clients), "connections")
        BenchOutput.emit("rpcproxy.upstream_connections", Double(proxyConnections ?? clients), "connections")
        BenchOutput.emit("rpcproxy.fixed_rate", rate, "req/s")
        BenchOutput.emit("rpcproxy.event_loop_path", taskPath ? 0 : 1, "bool")
        BenchOutput.emit("rpcproxy.upstream_is_bitcoind", bitcoind == nil ? 0 : 1, "bool")
        // Saturated: N clients calling in a loop; the machine (clients, proxy, node on the
        // same cores) is the limit, latency there is queueing.
        BenchOutput.emit("rpcproxy.direct.requests_per_s", directLoaded.requestsPerSecond, "req/s")
        BenchOutput.emit("rpcproxy.requests_per_s", proxyLoaded.requestsPerSecond, "req/s")
        let ratio = proxyLoaded.requestsPerSecond / directLoaded.requestsPerSecond
        let ceiling = RPCProxyCeiling(
            directRate: directLoaded.requestsPerSecond, direct: directLoaded.cpu, proxied: proxyLoaded.cpu, cores: CPUClock.cores)
        BenchOutput.emit("rpcproxy.saturated.ratio_vs_direct", ratio, "ratio")
        BenchOutput.emit("rpcproxy.saturated.ceiling_ratio", ceiling.ratio, "ratio")
        BenchOutput.emit("rpcproxy.saturated.ratio_of_ceiling", ratio / ceiling.ratio, "ratio")
        BenchOutput.emit("rpcproxy.saturated.ceiling_ratio_same_cpu", ceiling.sameCPURatio, "ratio")
        BenchOutput.emit("rpcproxy.cores", Double(CPUClock.cores), "cores")
        BenchOutput.emit("rpcproxy.saturated.added_latency_us.p50", (proxyLoaded.percentile(0.5) - directLoaded.percentile(0.5)) / 1000, "us")
        // Each party's CPU per call over the saturated phases (/proc/PID/stat), and how many
        // cores all parties kept busy (CPU per call x calls per second).
        for (path, run) in [("saturated.direct", directLoaded), ("saturated", proxyLoaded)] {
            BenchOutput.emit("rpcproxy.\(path).client.cpu_us_per_request", run.cpu.client, "us")
            if path == "saturated" { BenchOutput.emit("rpcproxy.\(path).proxy.cpu_us_per_request", run.cpu.proxy, "us") }
            BenchOutput.emit("rpcproxy.\(path).upstream.cpu_us_per_request", run.cpu.upstream, "us")
            BenchOutput.emit("rpcproxy.\(path).cpu_us_per_request", run.cpuMicrosecondsPerRequest, "us")
            BenchOutput.emit("rpcproxy.\(path).cores_used", run.cpuMicrosecondsPerRequest * run.requestsPerSecond / 1e6, "cores")
        }
        // At the fixed rate: all parties' CPU per call; the difference is what the proxy costs.
        BenchOutput.emit("rpcproxy.direct.cpu_us_per_request", directFixed.run.cpuMicrosecondsPerRequest, "us")
        BenchOutput.emit("rpcproxy.cpu_us_per_request", proxyFixed.run.cpuMicrosecondsPerRequest, "us")
        BenchOutput.emit("rpcproxy.proxy.cpu_us_per_request", proxyFixed.run.cpu.proxy, "us")
        // The fixed rate: N clients, latency from each call's scheduled send time.
        BenchOutput.emit("rpcproxy.fixed_rate.direct.achieved_per_s", directFixed.run.requestsPerSecond, "req/s")
        BenchOutput.emit("rpcproxy.fixed_rate.achieved_per_s", proxyFixed.run.requestsPerSecond, "req/s")
        BenchOutput.emit("rpcproxy.direct.latency_us.p50", directFixed.run.percentile(0.5) / 1000, "us")
        BenchOutput.emit("rpcproxy.direct.latency_us.p99", directFixed.run.percentile(0.99) / 1000, "us")
        BenchOutput.emit("rpcproxy.latency_us.p50", proxyFixed.run.percentile(0.5) / 1000, "us")
        BenchOutput.emit("rpcproxy.latency_us.p99", proxyFixed.run.percentile(0.99) / 1000, "us")
        BenchOutput.emit("rpcproxy.direct.send_late_us.p50", Self.percentile(directFixed.sendLateness, 0.5) / 1000, "us")
        BenchOutput.emit("rpcproxy.send_late_us.p50", Self.percentile(proxyFixed.sendLateness, 0.5) / 1000, "us")
        BenchOutput.emit("rpcproxy.added_latency_us.p50", (proxyFixed.run.percentile(0.5) - directFixed.run.percentile(0.5)) / 1000, "us")
        BenchOutput.emit("rpcproxy.added_latency_us.p99", (proxyFixed.run.percentile(0.99) - directFixed.run.percentile(0.99)) / 1000, "us")
        BenchOutput.emit("rpcproxy.unloaded.direct.latency_us.p50", directSeq.percentile(0.5) / 1000, "us")
        BenchOutput.emit("rpcproxy.unloaded.added_latency_us.p50", (proxySeq.percentile(0.5) - directSeq.percentile(0.5)) / 1000, "us")
        BenchOutput.emit("rpcproxy.unloaded.added_latency_us.p99", (proxySeq.percentile(0.99) - directSeq.percentile(0.99)) / 1000, "us")
    }
}
