import ArgumentParser

/// `altnet-harness`: the driver conformance suite, the regtest bitcoind double, and the demo.
@main
struct AltnetHarness: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "altnet-harness",
        abstract: "altnet's test harness: driver conformance, a regtest bitcoind double, the two-node demo.",
        subcommands: [CheckDriver.self, SimnodeCommand.self, Demo.self])
}
