import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// CPU time spent by the bench's own threads and by the processes it started, so that a
/// figure's cost is known in CPU time per unit of work, not only in wall time. On a machine with
/// few cores shared by every party, the wall time of the work cannot fall below its CPU time
/// divided by the number of cores: the bound ``CPUCeiling`` computes. Used by the BIP324 proxy
/// bench (per MB) and the RPC proxy bench (per request).
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

    /// Seconds of CPU (user + system, every thread, ended ones included) process `pid` has used,
    /// from /proc/PID/stat; `pid` 0 reads this process (/proc/self/stat).
    /// - Returns: nil when the file cannot be read or parsed (the process is gone, no /proc).
    static func stat(_ pid: Int32) -> Double? {
        let path = pid == 0 ? "/proc/self/stat" : "/proc/\(pid)/stat"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return statSeconds(text, ticksPerSecond: Double(sysconf(Int32(_SC_CLK_TCK))))
    }

    /// utime + stime of a /proc/PID/stat line, in seconds.
    ///
    /// Fields after the command name (field 2, in parentheses, which may itself hold spaces and
    /// parentheses, so the text is read from its **last** `)`): state is field 3, utime field 14
    /// and stime field 15, both in clock ticks (`sysconf(_SC_CLK_TCK)`, 100 on Linux).
    /// - Returns: nil when the line has too few fields or they are not numbers.
    static func statSeconds(_ text: String, ticksPerSecond: Double) -> Double? {
        guard let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (state), so field n is fields[n - 3].
        guard fields.count > 12, let utime = Double(fields[11]), let stime = Double(fields[12]), ticksPerSecond > 0 else { return nil }
        return (utime + stime) / ticksPerSecond
    }

    /// The 1-minute load average, from /proc/loadavg.
    static var loadAverage: Double? { MachineInfo.currentLoadAverage()?.oneMinute }

    /// Cores this process may run on.
    static var cores: Int { ProcessInfo.processInfo.activeProcessorCount }
}
