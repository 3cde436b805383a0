import ArgumentParser

/// `altnet-driver-rpc`: blocks through the local bitcoind's own peers (`getblockfrompeer`).
/// Without a subcommand it is the altnet driver (`driver`); `proxy` runs the pruned-block
/// JSON-RPC proxy for Lightning nodes.
@main
struct RPCDriverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "altnet-driver-rpc",
        abstract: "altnet driver: blocks via bitcoind's getblockfrompeer, transactions via sendrawtransaction.",
        subcommands: [DriverSubcommand.self, ProxySubcommand.self],
        defaultSubcommand: DriverSubcommand.self)
}
