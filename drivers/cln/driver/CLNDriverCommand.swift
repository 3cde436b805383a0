import ArgumentParser
import DriverKit

/// `altnet-driver-cln`: altnet messages over the operator's own Core Lightning node.
@main
struct CLNDriverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "altnet-driver-cln",
        abstract: "altnet driver: altnet custom messages over a running Core Lightning node (lightningd).",
        discussion: """
            Run by altnetd from a [cln] section (docs/driver-lightning.md, "Running beside Core \
            Lightning"), speaking the driver protocol (docs/driver-protocol.md) on standard input \
            and output. It sends with lightningd's sendcustommsg and lists its peers with \
            listpeers (options lightningdir and rpcfile); received messages come from \
            altnet-cln-plugin, which lightningd runs, through a Unix socket in the driver's data \
            directory. The node key never leaves lightningd.
            """)

    func run() async throws {
        await DriverRunner.main(CLNDriver())
    }
}
