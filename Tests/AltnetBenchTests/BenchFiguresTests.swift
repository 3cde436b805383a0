@testable import altnet_bench
import Testing

/// The pure parts of `altnet-bench` that turn measurements into the figures it prints.
@Suite struct BenchFiguresTests {
    @Test("the median and range of an odd count, in any order")
    func oddSummary() throws {
        let summary = try #require(FigureRuns.Summary([5, 1, 4, 2, 3]))
        #expect(summary == FigureRuns.Summary([1, 2, 3, 4, 5]))
        #expect(summary.p50 == 3 && summary.min == 1 && summary.max == 5)
    }

    @Test("the median of an even count is the mean of the two middle values; one value is all three")
    func evenAndSingleSummary() throws {
        let even = try #require(FigureRuns.Summary([10, 40, 20, 30]))
        #expect(even.p50 == 25 && even.min == 10 && even.max == 40)
        let one = try #require(FigureRuns.Summary([7.5]))
        #expect(one.p50 == 7.5 && one.min == 7.5 && one.max == 7.5)
        #expect(FigureRuns.Summary([]) == nil)
    }

    @Test("figures recorded over runs keep their first-recorded order and their units")
    func recorderKeepsOrder() {
        let runs = FigureRuns()
        for run in 0..<3 {
            runs.record("b.rate", Double(100 + run), "MB/s")
            runs.record("a.ratio", [0.9, 0.7, 0.8][run], "ratio")
        }
        let summaries = runs.summaries()
        #expect(summaries.map(\.metric) == ["b.rate", "a.ratio"])
        #expect(summaries.map(\.unit) == ["MB/s", "ratio"])
        #expect(summaries[0].summary.p50 == 101 && summaries[1].summary.p50 == 0.8)
        #expect(summaries[1].summary.min == 0.7 && summaries[1].summary.max == 0.9)
    }

    @Test("the CPU ceiling: cores over CPU per unit, against the direct rate, capped at 1")
    func cpuCeiling() {
        // 2 cores, 250 us of CPU per call: at most 8,000 calls/s; direct ran 10,000/s.
        #expect(abs(CPUCeiling.ratio(directRate: 10_000, cpuPerUnit: 250e-6, cores: 2) - 0.8) < 1e-12)
        // Cheap enough to beat direct: the ceiling is 1, not more.
        #expect(CPUCeiling.ratio(directRate: 1_000, cpuPerUnit: 250e-6, cores: 2) == 1)
        // Missing figures bound nothing.
        #expect(CPUCeiling.ratio(directRate: 0, cpuPerUnit: 250e-6, cores: 2) == 1)
        #expect(CPUCeiling.ratio(directRate: 10_000, cpuPerUnit: 0, cores: 2) == 1)
    }

    @Test("the RPC proxy's ceiling sums the client's, the proxy's and the upstream's CPU per call")
    func rpcProxyCeiling() {
        let direct = RPCProxyBench.PartyCPU(client: 40, proxy: 0, upstream: 60)
        let proxied = RPCProxyBench.PartyCPU(client: 50, proxy: 90, upstream: 60)
        // 200 us per proxied call on 2 cores: 10,000 calls/s at most; direct did 16,000/s.
        let ceiling = RPCProxyCeiling(directRate: 16_000, direct: direct, proxied: proxied, cores: 2)
        #expect(ceiling.cpuPerCall == 200)
        #expect(abs(ceiling.ratio - 0.625) < 1e-12)
        #expect(abs(ceiling.sameCPURatio - 0.5) < 1e-12)
        // One core fewer halves it.
        #expect(abs(RPCProxyCeiling(directRate: 16_000, direct: direct, proxied: proxied, cores: 1).ratio - 0.3125) < 1e-12)
    }

    @Test("the BIP324 proxy's ceiling is the same formula per MB")
    func bip324ProxyCeilingAgrees() {
        // direct: 10 ms of wall per MB (100 MB/s); proxied needs 25 CPU-ms per MB on 2 cores:
        // at most 80 MB/s, a ratio of 0.8.
        let ratio = CPUCeiling.ratio(directRate: 1000 / 10, cpuPerUnit: 25 / 1000, cores: 2)
        #expect(abs(ratio - 0.8) < 1e-12)
    }

    @Test("per-call CPU of each party is the difference over the calls, in microseconds")
    func partyCPUPerCall() {
        let start = RPCProxyBench.PartyCPU(client: 1.0, proxy: 2.0, upstream: 3.0)
        let end = RPCProxyBench.PartyCPU(client: 1.5, proxy: 3.0, upstream: 3.25)
        let perCall = end.microsecondsPerCall(since: start, calls: 5_000)
        #expect(perCall.client == 100 && perCall.proxy == 200 && perCall.upstream == 50 && perCall.total == 350)
    }
}
