import AltLogic
import ArgumentParser
import BitcoinPrimitives

/// `altnet-bench eclipse`: a Monte Carlo model of a node whose drivers' peers are partly the
/// attacker's, printing the probability that a rescue is decided by the attacker's peers alone
/// (`no-better-chain` while a better chain exists) under the old single-peer rule and under the
/// fan-out (``SourceSelection`` and ``Quorum``, the real code), in the same run on the same draws.
/// No sockets; seeded, so every run prints the same figures. The model and its limits:
/// docs/eclipse-model.md.
struct EclipseBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eclipse",
        abstract: "Eclipse model: P(a rescue is decided by attackers alone), the single-peer rule beside the fan-out.")

    @Option(help: "Simulated rescues per configuration.")
    var trials = 100_000

    @Option(help: "Seed of the random generator (each configuration starts from it).")
    var seed: UInt64 = 14

    @Option(parsing: .upToNextOption, help: "The attacker's shares f of addresses (or of groups) to simulate.")
    var attackerShare: [Double] = [0.5, 0.9, 0.99]

    @Option(parsing: .upToNextOption, help: "Node shapes, DxP: D drivers with P connected peers each.")
    var shapes: [String] = ["2x4", "1x4", "3x4", "2x8", "2x16"]

    @Option(help: "Sources the fan-out asks per driver (altnetd's default is 4).")
    var perDriver = 4

    @Option(help: "Independent \"nothing better\" answers needed for no-better-chain (altnetd's default is 2).")
    var quorum = 2

    @Option(help: "Retries with fresh draws after an inconclusive rescue, reported cumulatively 1...N.")
    var retries = 3

    @Option(help: "Network groups in the address space where the attacker holds a share of addresses.")
    var addressGroups = 4_096

    @Option(parsing: .upToNextOption,
            help: "Network groups in the address space where the attacker holds a share of groups, one run each (f values a count cannot represent are skipped).")
    var groups: [Int] = [100, 10]

    @Option(help: "Addresses in one attacker group per address in one honest group, where it holds groups.")
    var concentration = 10.0

    func validate() throws {
        guard trials > 0 else { throw ValidationError("--trials must be positive") }
        guard attackerShare.allSatisfy({ $0 > 0 && $0 < 1 }) else { throw ValidationError("--attacker-share values must be in (0, 1)") }
        guard parsedShapes != nil else { throw ValidationError("--shapes takes DxP pairs of positive integers, e.g. 2x4") }
        guard perDriver > 0, quorum > 0, retries >= 0 else { throw ValidationError("--per-driver and --quorum must be positive, --retries not negative") }
        guard addressGroups > 0, groups.allSatisfy({ $0 > 1 }), concentration > 0 else { throw ValidationError("--address-groups must be positive, --groups above 1, --concentration positive") }
    }

    private var parsedShapes: [(drivers: Int, peers: Int)]? {
        var result: [(drivers: Int, peers: Int)] = []
        for shape in shapes {
            let parts = shape.lowercased().split(separator: "x")
            guard parts.count == 2, let d = Int(parts[0]), let p = Int(parts[1]), d > 0, p > 0 else { return nil }
            result.append((d, p))
        }
        return result
    }

    func run() throws {
        guard let shapes = parsedShapes else { throw ValidationError("bad --shapes") }
        BenchOutput.emit("eclipse.trials", Double(trials), "trials")
        let spaces = [(EclipseModel.Space.addresses, addressGroups)] + groups.map { (EclipseModel.Space.groups, $0) }
        for (space, groupCount) in spaces {
            for (shapeIndex, shape) in shapes.enumerated() {
                // The three attacks on the first shape of the address space; withholding elsewhere
                // (lying reads the same to the rules, invalid headers never decide).
                let attacks = space == .addresses && shapeIndex == 0 ? EclipseModel.Attack.allCases : [.withhold]
                for attack in attacks {
                    for f in attackerShare {
                        // f of `groupCount` groups must be a whole number of groups.
                        if space == .groups && abs((f * Double(groupCount)).rounded() - f * Double(groupCount)) > 1e-9 { continue }
                        let model = EclipseModel(
                            drivers: shape.drivers, peersPerDriver: shape.peers, f: f, space: space, attack: attack,
                            perDriver: perDriver, quorum: Quorum(required: quorum),
                            groupCount: groupCount, concentration: concentration)
                        if space == .groups && shapeIndex == 0 && attack == .withhold {
                            BenchOutput.emit("eclipse.attacker_address_share{f=\(f),space=groups,g=\(groupCount)}", model.attackerAddressShare, "probability")
                        }
                        emit(simulate(model), f: f, model: model)
                    }
                }
            }
        }
    }

    /// Outcome counts per rule over ``trials`` rescues.
    struct Tally {
        var single = [Int](repeating: 0, count: 3)
        var singleGround = [Int](repeating: 0, count: 3)
        var fanout = [Int](repeating: 0, count: 3)
        var fanoutIgnoringGroups = [Int](repeating: 0, count: 3)
        /// Rescues the attacker decided at attempt k (0: the first, k: the k-th retry).
        var decidedAtAttempt: [Int]
    }

    func simulate(_ model: EclipseModel) -> Tally {
        var rng = SplitMix64(seed: seed)
        var tally = Tally(decidedAtAttempt: [Int](repeating: 0, count: retries + 1))
        for _ in 0..<trials {
            // The rules see the same connected peers (common random numbers).
            let node = model.node(using: &rng)
            tally.single[Self.slot(model.single(node))] += 1
            tally.singleGround[Self.slot(model.singleGround(node))] += 1
            var outcome = model.fanout(node, using: &rng)
            tally.fanout[Self.slot(outcome)] += 1
            if model.space == .groups {
                tally.fanoutIgnoringGroups[Self.slot(model.fanout(node, ignoringGroups: true, using: &rng))] += 1
            }
            // An inconclusive rescue is retried; each retry draws the node's peers afresh.
            var attempt = 0
            while outcome == .undecided && attempt < retries {
                attempt += 1
                outcome = model.fanout(model.node(using: &rng), using: &rng)
            }
            if outcome == .attackersDecide { tally.decidedAtAttempt[attempt] += 1 }
        }
        return tally
    }

    private static func slot(_ outcome: EclipseModel.Outcome) -> Int {
        switch outcome {
        case .honestChain: 0
        case .attackersDecide: 1
        case .undecided: 2
        }
    }

    private func emit(_ tally: Tally, f: Double, model: EclipseModel) {
        var labels = "f=\(f),d=\(model.drivers),p=\(model.peersPerDriver)"
        if model.space != .addresses { labels += ",space=\(model.space.rawValue),g=\(model.groupCount)" }
        if model.attack != .withhold { labels += ",attack=\(model.attack.rawValue)" }
        let n = Double(trials)
        func p(_ count: Int) -> Double { Double(count) / n }
        BenchOutput.emit("eclipse.p_attacker_decides{\(labels),rule=single}", p(tally.single[1]), "probability")
        BenchOutput.emit("eclipse.p_attacker_decides{\(labels),rule=single_ground}", p(tally.singleGround[1]), "probability")
        BenchOutput.emit("eclipse.p_attacker_decides{\(labels),rule=fanout}", p(tally.fanout[1]), "probability")
        if model.space == .groups {
            BenchOutput.emit("eclipse.p_attacker_decides{\(labels),rule=fanout_nogroups}", p(tally.fanoutIgnoringGroups[1]), "probability")
        }
        BenchOutput.emit("eclipse.p_honest_chain{\(labels),rule=single}", p(tally.single[0]), "probability")
        BenchOutput.emit("eclipse.p_honest_chain{\(labels),rule=fanout}", p(tally.fanout[0]), "probability")
        BenchOutput.emit("eclipse.p_inconclusive{\(labels),rule=fanout}", p(tally.fanout[2]), "probability")
        var decided = tally.decidedAtAttempt[0]
        for k in stride(from: 1, through: retries, by: 1) {
            decided += tally.decidedAtAttempt[k]
            BenchOutput.emit("eclipse.p_attacker_decides_within_retries{\(labels),k=\(k),rule=fanout}", p(decided), "probability")
        }
    }
}
