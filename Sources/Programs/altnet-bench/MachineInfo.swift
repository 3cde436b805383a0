import Foundation

/// The machine a bench ran on, printed first by every `altnet-bench` subcommand (and its load
/// average again at the end) so that figures from different machines, or from one machine under
/// different load, can be read side by side:
///
///     machine.cpu_model{model=AMD EPYC 7B13}   1      info
///     machine.cores                            2      cores
///     machine.loadavg_1m / _5m / _15m          4.79   load
///     ... the bench's own lines ...
///     machine.end.loadavg_1m / _5m / _15m      5.02   load
///
/// A load average near or above `machine.cores` means other processes took CPU during the run:
/// rates read low and CPU ceilings (``CPUCeiling``) read high.
struct MachineInfo: Equatable {
    /// /proc/cpuinfo's first `model name`, or nil where there is none (some ARM kernels).
    var cpuModel: String?
    /// Cores this process may run on.
    var cores: Int
    /// /proc/loadavg's 1, 5 and 15 minute averages, or nil where it cannot be read.
    var loadAverage: LoadAverage?

    /// The three load averages of /proc/loadavg.
    struct LoadAverage: Equatable {
        var oneMinute: Double
        var fiveMinutes: Double
        var fifteenMinutes: Double
    }

    /// This machine now.
    static func current() -> MachineInfo {
        MachineInfo(
            cpuModel: (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)).flatMap(cpuModel(cpuinfo:)),
            cores: ProcessInfo.processInfo.activeProcessorCount,
            loadAverage: currentLoadAverage())
    }

    /// /proc/loadavg now, or nil where it cannot be read.
    static func currentLoadAverage() -> LoadAverage? {
        (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)).flatMap(loadAverage(procLoadavg:))
    }

    /// The first `model name : ...` value of /proc/cpuinfo's text.
    /// - Returns: the model, trimmed; nil when no line has one.
    static func cpuModel(cpuinfo: String) -> String? {
        for line in cpuinfo.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == "model name" else { continue }
            let model = parts[1].trimmingCharacters(in: .whitespaces)
            if !model.isEmpty { return model }
        }
        return nil
    }

    /// Parses /proc/loadavg (`0.52 0.58 0.59 1/467 12345`).
    /// - Returns: the three averages; nil when the text does not start with three numbers.
    static func loadAverage(procLoadavg text: String) -> LoadAverage? {
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\n" }).prefix(3).compactMap { Double($0) }
        guard fields.count == 3 else { return nil }
        return LoadAverage(oneMinute: fields[0], fiveMinutes: fields[1], fifteenMinutes: fields[2])
    }

    /// Prints the header: CPU model, cores, load average.
    func emitHeader() {
        // The model goes in a label (as the eclipse bench labels its figures): a figure's value is
        // a number. Braces and commas would end the label early, so they become spaces.
        let model = (cpuModel ?? "unknown").map { "{},".contains($0) ? " " : $0 }
        BenchOutput.emit("machine.cpu_model{model=\(String(model))}", 1, "info")
        BenchOutput.emit("machine.cores", Double(cores), "cores")
        Self.emit(loadAverage, prefix: "machine")
    }

    /// Prints the load average at the end of a run.
    static func emitFooter() {
        emit(currentLoadAverage(), prefix: "machine.end")
    }

    private static func emit(_ load: LoadAverage?, prefix: String) {
        guard let load else { return }
        BenchOutput.emit("\(prefix).loadavg_1m", load.oneMinute, "load")
        BenchOutput.emit("\(prefix).loadavg_5m", load.fiveMinutes, "load")
        BenchOutput.emit("\(prefix).loadavg_15m", load.fifteenMinutes, "load")
    }
}
