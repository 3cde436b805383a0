import Altstack
import ArgumentParser
import Foundation

/// `altnet-harness demo`: the seed's Alice and Bob, made real. Two regtest bitcoinds (simnodes),
/// each with its own altnetd; Bob's chain moves ahead while Alice is cut off from the P2P network;
/// Alice's watchdog raises the anomaly and her altnetd fetches headers and blocks from Bob over
/// Lightning (BOLT 8) and BIP324, until her bitcoind is at Bob's tip.
struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Two altnet nodes rescue each other: Alice, cut off, catches up with Bob over altnet.",
        discussion: """
            Starts two simnodes (regtest bitcoind doubles) and two altnetd processes on 127.0.0.1, \
            narrates each step, stops every process it started, and exits 0 when Alice's bitcoind \
            ends at Bob's tip. The executables are taken from the directory of this altnet-harness.

            With --bitcoind PATH the two bitcoinds are real Bitcoin Core processes (v26 or later) in \
            regtest on loopback, each with its own temporary data directory; nothing else changes.
            """)

    @Option(help: "Run real bitcoind processes (Bitcoin Core v26 or later, regtest) instead of simnodes.")
    var bitcoind: String?

    @Option(name: .customLong("bitcoin-cli"), help: "bitcoin-cli to query Bob's bitcoind with (only with --bitcoind).")
    var bitcoinCLI: String?

    @Option(help: "Alice's drivers, comma-separated: lightning, bip324.")
    var drivers = "lightning,bip324"

    @Option(help: "Blocks Bob mines while Alice is cut off.")
    var blocks = 20

    @Option(help: "Seconds without a new block before Alice's watchdog calls the tip stale.")
    var staleTipSeconds = 6

    @Option(help: "Seconds allowed, each time Bob mines, for Alice's watchdog to notice and for her to catch up.")
    var timeout = 90

    @Option(help: "Work directory (default: a new temporary directory, removed at the end unless --keep).")
    var workdir: String?

    @Flag(help: "Keep the work directory (configurations and logs) at the end.")
    var keep = false

    func validate() throws {
        let known: Set = ["lightning", "bip324"]
        let chosen = driverList
        guard !chosen.isEmpty, chosen.allSatisfy(known.contains) else {
            throw ValidationError("--drivers takes lightning and/or bip324, comma-separated")
        }
        guard (1...5000).contains(blocks) else { throw ValidationError("--blocks must be 1 to 5000") }
        guard staleTipSeconds >= 1, timeout >= 1 else { throw ValidationError("--stale-tip-seconds and --timeout must be positive") }
        if let bitcoind, !FileManager.default.isExecutableFile(atPath: bitcoind) {
            throw ValidationError("--bitcoind \(bitcoind) is not an executable file")
        }
        if let bitcoinCLI {
            guard bitcoind != nil else { throw ValidationError("--bitcoin-cli needs --bitcoind") }
            guard FileManager.default.isExecutableFile(atPath: bitcoinCLI) else {
                throw ValidationError("--bitcoin-cli \(bitcoinCLI) is not an executable file")
            }
        }
    }

    var driverList: [String] {
        drivers.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    func run() async throws {
        // A parent (a test runner, say) may have blocked SIGTERM/SIGINT; children inherit the mask,
        // and the demo stops them with SIGTERM, so unblock both first.
        TerminationSignals.unblock()
        let binDir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            .deletingLastPathComponent().path
        for program in ["altnetd", "altnet-cli"] + driverList.map({ "altnet-driver-\($0)" })
            where !FileManager.default.isExecutableFile(atPath: "\(binDir)/\(program)") {
            throw DemoError("\(program) is not in \(binDir): build the package first (swift build)")
        }
        let dir = try workdir ?? makeTemporaryDirectory()
        let backend: DemoBackend = bitcoind.map { .bitcoind(path: $0, cli: bitcoinCLI) } ?? .simnode
        let story = DemoStory(binDir: binDir, dir: dir, drivers: driverList, blocks: blocks,
                              staleTipSeconds: staleTipSeconds, timeout: .seconds(timeout), backend: backend)
        let signals = SignalWatcher.start { Narrator.say("interrupted: stopping every process") ; story.interrupt() }
        defer { signals.cancel() }
        let ok = await story.run()
        if !keep && workdir == nil { try? FileManager.default.removeItem(atPath: dir) }
        else { Narrator.say("configurations and logs kept in \(dir)") }
        if !ok { throw ExitCode(1) }
    }

    private func makeTemporaryDirectory() throws -> String {
        var template = Array((NSTemporaryDirectory() + "altnet-demo-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw DemoError("cannot create a temporary directory") }
        return String(cString: made)
    }
}

/// Plain-words narration on stdout, one step per line.
enum Narrator {
    nonisolated(unsafe) static var start = ContinuousClock.now

    static func say(_ text: String) {
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        FileHandle.standardOutput.write(Data((String(format: "[%6.2fs] ", seconds) + text + "\n").utf8))
    }
}
