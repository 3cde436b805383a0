import ArgumentParser
import DriverKit

/// `altnet-driver-lightning`: a Lightning peer (BOLT 8 over TCP) carrying altnet custom messages.
///
/// altnetd starts it and speaks the driver protocol on its stdin/stdout. Its configuration
/// (`node_id`, `listen`, `connect`) comes in `init` options; the node's private key never does:
/// every static-key ECDH is asked of the core with `signer.ecdh`.
@main
struct LightningDriverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "altnet-driver-lightning",
        abstract: "altnet driver: a BOLT 8 Lightning peer carrying Bitcoin P2P messages as custom messages.",
        discussion: """
            Run by altnetd, which speaks the driver protocol (docs/driver-protocol.md) on standard \
            input and output. Options arrive in init: node_id (the node's public key, hex), \
            listen (HOST:PORT), connect (NODEID@HOST:PORT, repeatable). The node key stays with \
            the core: the driver asks it for each ECDH (signer.ecdh).
            """)

    func run() async throws {
        await DriverRunner.main(LightningDriver())
    }
}
