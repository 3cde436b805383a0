/// Wall and CPU seconds summed per transfer kind over the measured rounds (``CPUClock``: the
/// bench's threads and the proxy child).
struct TransferCosts {
    private(set) var cpu: [String: Double] = [:]

    /// Runs one transfer, adding the CPU it took (bench and proxy) under `key`.
    /// - Returns: the transfer's wall seconds, as `body` returns them.
    mutating func measure(_ key: String, proxy pid: Int32, count: Bool, _ body: () throws -> Double) rethrows -> Double {
        let before = CPUClock.process() + CPUClock.child(pid)
        let seconds = try body()
        if count { cpu[key, default: 0] += CPUClock.process() + CPUClock.child(pid) - before }
        return seconds
    }
}
