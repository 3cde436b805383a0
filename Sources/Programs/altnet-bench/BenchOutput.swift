import Foundation

/// One benchmark figure, printed as a JSON line.
struct Metric: Encodable {
    let metric: String
    let value: Double
    let unit: String
}

enum BenchOutput {
    /// Prints one `{"metric","value","unit"}` object on its own line and flushes.
    static func emit(_ metric: String, _ value: Double, _ unit: String) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        if let data = try? encoder.encode(Metric(metric: metric, value: value, unit: unit)) {
            FileHandle.standardOutput.write(data + Data("\n".utf8))
        }
    }

    /// Keeps a computed value alive so the optimiser cannot drop the work that produced it.
    @inline(never) @_optimize(none)
    static func blackHole(_ value: UInt8) {}

    /// Monotonic nanoseconds.
    static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }
}
