/// The best rate a path can reach when every party of it shares `cores` cores: each unit of work
/// (a MB moved, a request answered) costs `cpuPerUnit` seconds of CPU summed over all parties,
/// so at most `cores / cpuPerUnit` units per second; compared with the direct path's measured
/// rate it gives the best `ratio_vs_direct` the machine allows, capped at 1 (a path that does
/// more work than direct cannot be faster than it).
///
///     ceiling_ratio = min(1, (cores / cpuPerUnit) / directRate)
///
/// It holds for a machine the bench has to itself: other load takes cores away from both paths
/// (the header's `machine.loadavg_1m` says how much). ``ProxyCeiling`` (bip324-proxy, per MB)
/// and ``RPCProxyCeiling`` (rpc-proxy, per request) feed it.
enum CPUCeiling {
    /// - Parameters:
    ///   - directRate: units per second the direct path achieved.
    ///   - cpuPerUnit: CPU seconds per unit the compared path needs, all parties together.
    ///   - cores: cores shared by every party.
    /// - Returns: the best ratio of the compared path's rate to `directRate`, in 0...1; 1 when
    ///   either figure is missing (0 or less: nothing bounds the ratio).
    static func ratio(directRate: Double, cpuPerUnit: Double, cores: Int) -> Double {
        guard directRate > 0, cpuPerUnit > 0 else { return 1 }
        return min(1, Double(cores) / cpuPerUnit / directRate)
    }
}
