import ArgumentParser

/// `altnet-bench transports`: handshake CPU and packet throughput for BIP324 and BOLT 8, against
/// swift-crypto's raw ChaCha20-Poly1305 for the same sizes in the same run.
///
/// The whole run is repeated `--runs` times (each figure inside a run is already the best of a
/// few interleaved rounds) and every figure is printed as `NAME.p50` (the median over the runs),
/// `NAME.min` and `NAME.max` (``FigureRuns``): one run in several can cross a target the others
/// miss, and the range shows how far the machine moved the figure.
struct TransportsBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transports", abstract: "BIP324 and BOLT 8 against raw ChaCha20-Poly1305, median and range over --runs runs.")

    @Option(help: "Runs of the whole bench; each figure is printed as its median (.p50), .min and .max over them.")
    var runs = 5

    func validate() throws {
        guard (1...100).contains(runs) else { throw ValidationError("--runs must be in 1...100") }
    }

    func run() throws {
        let figures = FigureRuns()
        for _ in 0..<runs {
            try BIP324TransportBench.run(figures)
            try BOLT8TransportBench.run(figures)
        }
        BenchOutput.emit("transports.runs", Double(runs), "runs")
        figures.emit()
    }
}
