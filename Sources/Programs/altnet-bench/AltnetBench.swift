import ArgumentParser

/// `altnet-bench`: each subcommand measures one part of altnet and, in the same run, the physical
/// limit it is compared against (raw hashing, raw ChaCha20-Poly1305), printing JSON lines
/// `{"metric": ..., "value": ..., "unit": ...}`. Build in release mode: `swift run -c release altnet-bench ...`.
/// Every subcommand's lines start with the machine (``MachineInfo``: CPU model, cores, load
/// average) and end with the load average again.
@main
struct AltnetBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "altnet-bench",
        abstract: "altnet's benchmarks: JSON lines of {metric, value, unit}, each against the physical limit measured in the same run.",
        subcommands: [HeadersBench.self, TransportsBench.self, AltstackBench.self, RPCProxyBench.self, RescueBench.self, BIP324ProxyBench.self,
                      EclipseBench.self, StaleTipBench.self, BenchPartyCommand.self])

    /// ArgumentParser's `main`, with the machine header before the subcommand and the load
    /// average after it (not for `--help`, errors, or the processes a bench starts itself).
    static func main() {
        do {
            var command = try parseAsRoot()
            // Only a bench itself: `--help` parses to ArgumentParser's own help command, which
            // must print the help alone.
            let benches = configuration.subcommands.filter { $0 != BenchPartyCommand.self }.map(ObjectIdentifier.init)
            let framed = benches.contains(ObjectIdentifier(type(of: command)))
            if framed { MachineInfo.current().emitHeader() }
            try command.run()
            if framed { MachineInfo.emitFooter() }
        } catch {
            exit(withError: error)
        }
    }
}
