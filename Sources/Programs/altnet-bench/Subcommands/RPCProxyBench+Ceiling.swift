/// What the 2 (or `cores`) cores allow the proxied path of `altnet-bench rpc-proxy`, given what
/// each party spent per request in the saturated phase.
///
/// Every proxied call costs CPU in three processes: the load client (the bench), the proxy and
/// the upstream node, each read from its /proc/PID/stat over the saturated phase and divided by
/// the calls made. All three share the machine's cores, so the proxied rate cannot exceed
/// `cores / (client + proxy + upstream CPU per call)`; against the direct rate measured in the
/// same run (``CPUCeiling``):
///
///     ceiling_ratio = min(1, cores / (client + proxy + upstream CPU per proxied call) / direct req/s)
///
/// `ratio_of_ceiling` = `ratio_vs_direct / ceiling_ratio`: near 1, the proxied path kept the
/// cores busy and only less CPU per call (in the proxy above all: the client and upstream costs
/// are the direct path's too) can raise it; well below 1, the cores idled (too little
/// concurrency towards the upstream, waits) and the proxy could go faster on the same CPU.
///
/// On a machine other processes load, the parties get fewer than `cores` cores and the ceiling
/// reads high. `sameCPURatio` = direct CPU per call / proxied CPU per call is the ceiling when
/// both paths get the same CPU, however much that is: it needs no core count and holds under
/// load, but only where the direct path was CPU-bound (its `cores_used` near what the machine
/// had free); a direct path that waited (a slow upstream) leaves CPU the proxied path may use.
struct RPCProxyCeiling {
    /// CPU microseconds per proxied call, all parties.
    let cpuPerCall: Double
    /// The best `ratio_vs_direct` possible here.
    let ratio: Double
    /// The best `ratio_vs_direct` when both paths get the same CPU time (0 without figures).
    let sameCPURatio: Double

    /// - Parameters:
    ///   - directRate: saturated direct calls per second.
    ///   - direct: each party's CPU microseconds per direct call.
    ///   - proxied: each party's CPU microseconds per proxied call.
    ///   - cores: cores shared by the parties.
    init(directRate: Double, direct: RPCProxyBench.PartyCPU, proxied: RPCProxyBench.PartyCPU, cores: Int) {
        cpuPerCall = proxied.total
        sameCPURatio = proxied.total > 0 ? min(1, direct.total / proxied.total) : 0
        ratio = CPUCeiling.ratio(directRate: directRate, cpuPerUnit: proxied.total / 1e6, cores: cores)
    }
}
