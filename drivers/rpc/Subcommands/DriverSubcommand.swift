import ArgumentParser
import DriverKit
import GetBlockFromPeerDriverCore

/// The driver mode (default): altnetd starts it and speaks the driver protocol
/// (docs/driver-protocol.md) on its standard input and output; bitcoind's address and
/// credentials come in `init` options.
struct DriverSubcommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "driver",
        abstract: "Run as an altnet driver (the default).",
        discussion: """
            Speaks the altnet driver protocol on stdin/stdout; logs go to stderr. init options: \
            rpcconnect (HOST[:PORT]), rpccookiefile, or rpcuser with rpcpassword, peer_timeout_ms.
            """)

    func run() async throws {
        await DriverRunner.main(RPCDriver())
    }
}
