import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// CPU time spent by the bench's own threads and by the proxy child, so that each transfer's
/// cost is known in CPU-milliseconds per MB, not only in wall time. On a machine with few cores
/// where both ends and the proxy share them, the wall time of a transfer cannot fall below its
/// CPU time divided by the number of cores: that is the bound ``BIP324ProxyBench`` reports.
enum CPUClock {
    /// Seconds of CPU used by this process so far, all threads, ended ones included.
    static func process() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }

    /// Seconds of CPU used by the live threads of process `pid` (nanosecond run times from
    /// /proc/PID/task/TID/schedstat; the proxy's event-loop threads live as long as it does).
    /// - Returns: 0 when /proc cannot be read (then the CPU figures are not emitted).
    static func child(_ pid: Int32) -> Double {
        let tasks = "/proc/\(pid)/task"
        guard let threads = try? FileManager.default.contentsOfDirectory(atPath: tasks) else { return 0 }
        var nanoseconds = 0.0
        for thread in threads {
            guard let line = try? String(contentsOfFile: "\(tasks)/\(thread)/schedstat", encoding: .utf8),
                  let first = line.split(separator: " ").first, let value = Double(first) else { continue }
            nanoseconds += value
        }
        return nanoseconds / 1e9
    }

    /// The 1-minute load average, from /proc/loadavg.
    static var loadAverage: Double? {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return nil }
        return text.split(separator: " ").first.flatMap { Double($0) }
    }

    /// Cores this process may run on.
    static var cores: Int { ProcessInfo.processInfo.activeProcessorCount }
}

/// Wall and CPU seconds summed per transfer kind over the measured rounds.
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
