/// A bench's figures over repeated runs, printed as their median and range.
///
/// One run of a figure on a shared machine can cross a target that the next run misses; the
/// transports bench repeats its whole run `--runs` times and prints, for each figure `name`,
/// `name.p50` (the median over the runs), `name.min` and `name.max`, in the order the figures
/// were first recorded. Single-threaded: a bench records from its own thread.
final class FigureRuns {
    private var order: [String] = []
    private var values: [String: [Double]] = [:]
    private var units: [String: String] = [:]

    /// Adds one run's value of `metric`.
    func record(_ metric: String, _ value: Double, _ unit: String) {
        if values[metric] == nil { order.append(metric) }
        values[metric, default: []].append(value)
        units[metric] = unit
    }

    /// Each figure's median and range, in first-recorded order.
    func summaries() -> [(metric: String, summary: Summary, unit: String)] {
        order.compactMap { metric in
            Summary(values[metric] ?? []).map { (metric, $0, units[metric] ?? "") }
        }
    }

    /// Prints `metric.p50`, `.min` and `.max` for every figure.
    func emit() {
        for (metric, summary, unit) in summaries() {
            BenchOutput.emit("\(metric).p50", summary.p50, unit)
            BenchOutput.emit("\(metric).min", summary.min, unit)
            BenchOutput.emit("\(metric).max", summary.max, unit)
        }
    }

    /// The median and the range of some values.
    struct Summary: Equatable {
        /// The middle value; for an even count, the mean of the two middle ones.
        let p50: Double
        let min: Double
        let max: Double

        /// - Returns: nil for no values.
        init?(_ values: [Double]) {
            guard !values.isEmpty else { return nil }
            let sorted = values.sorted()
            let middle = sorted.count / 2
            p50 = sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
            min = sorted[0]
            max = sorted[sorted.count - 1]
        }
    }
}
