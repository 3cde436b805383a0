import Foundation

/// CPU each party of `altnet-bench rescue` spent while the rescue ran, and what it lets the
/// rescue reach on this machine.
///
/// The parties: the bench process (Alice's and Bob's Altstacks, Alice's rescue, Bob's serving),
/// Alice's and Bob's Lightning drivers, and Alice's and Bob's simnodes, each read from its
/// /proc/PID/stat before and after the rescue (``CPUClock/stat(_:)``). They share the machine's
/// cores, so the rescue's wall time cannot fall below their CPU time summed over the cores:
///
///     cpu_floor_ms = (bench + drivers + simnodes CPU during the rescue) / cores
///     floor_ratio  = cpu_floor_ms / direct copy ms
///
/// `caught_up_ms` near `cpu_floor_ms` means the cores were kept busy and only less work per block
/// makes the rescue faster; well above it, the rescue waited (a budget, a round trip, too few
/// requests in flight). The direct copy's parties (the bench, the two simnodes) are read the same
/// way, and `same_cpu_ratio` = rescue CPU / direct-copy CPU is the least `ratio_vs_direct` when
/// both paths get the same CPU time, however loaded the machine.
struct RescueParties {
    struct Party {
        let name: String
        let pid: Int32
    }

    let parties: [Party]
    private var before: [Double] = []

    init(parties: [Party]) {
        self.parties = parties
    }

    /// Reads every party's CPU so far (call as the rescue starts).
    mutating func start() {
        before = parties.map { CPUClock.stat($0.pid) ?? 0 }
    }

    /// Each party's CPU seconds since ``start()``; nil for a party whose /proc could not be read.
    func spent() -> [(name: String, seconds: Double?)] {
        zip(parties, before).map { party, start in
            (party.name, CPUClock.stat(party.pid).map { max(0, $0 - start) })
        }
    }

    /// Prints each party's CPU per block and, given `cores`, the floor the cores allow and its
    /// ratio to the direct copy.
    /// - Parameters:
    ///   - prefix: `rescue.N` (or `rescue.N.baseline` for the direct copy's own parties).
    ///   - blocks: blocks the rescue submitted.
    ///   - directMs: the direct copy's wall time for the same blocks (0: no ratio).
    ///   - cores: cores the parties share (0: no floor).
    /// - Returns: the CPU seconds of every party together.
    @discardableResult
    static func emit(_ spent: [(name: String, seconds: Double?)], prefix: String, blocks: Int, directMs: Double, cores: Int) -> Double {
        var total = 0.0
        for (name, seconds) in spent {
            guard let seconds else { continue }
            total += seconds
            BenchOutput.emit("\(prefix).cpu_us_per_block.\(name)", seconds * 1e6 / Double(max(1, blocks)), "us")
        }
        BenchOutput.emit("\(prefix).cpu_us_per_block.total", total * 1e6 / Double(max(1, blocks)), "us")
        guard cores > 0 else { return total }
        let floor = total * 1000 / Double(cores)
        BenchOutput.emit("\(prefix).cpu_floor_ms", floor, "ms")
        if directMs > 0 { BenchOutput.emit("\(prefix).floor_ratio", floor / directMs, "ratio") }
        return total
    }
}
