import ArgumentParser
import DriverKit
import DriverRPCCore

/// `altnet-driver-rpc`: a driver that gets blocks through the local bitcoind's own peers
/// (`getblockfrompeer`) and broadcasts transactions with `sendrawtransaction`. altnetd starts it
/// and speaks the driver protocol (docs/driver-protocol.md) on its standard input and output;
/// bitcoind's address and credentials come in `init` options.
@main
struct RPCDriverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "altnet-driver-rpc",
        abstract: "altnet driver: blocks via bitcoind's getblockfrompeer, transactions via sendrawtransaction.",
        discussion: """
            Speaks the altnet driver protocol on stdin/stdout; logs go to stderr. init options: \
            rpcconnect (HOST[:PORT]), rpccookiefile, or rpcuser with rpcpassword, peer_timeout_ms.
            """)

    func run() async throws {
        await DriverRunner.main(RPCDriver())
    }
}
