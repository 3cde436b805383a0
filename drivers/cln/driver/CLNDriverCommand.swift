import ArgumentParser
import DriverKit
import JSON

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

    @Option(help: "lightningd's directory for the network; used when init carries no lightningdir option.")
    var lightningdir: String?

    @Option(help: "lightningd's RPC socket, relative to lightningdir or absolute; used when init carries no rpcfile option.")
    var rpcfile: String?

    @Option(help: "The socket the plugin half connects to; used when init carries no socket option.")
    var socket: String?

    func run() async throws {
        // Command-line values are defaults under init's options (altnet-harness check-driver
        // passes them this way).
        var defaults: [String: JSONValue] = [:]
        if let lightningdir { defaults["lightningdir"] = .string(lightningdir) }
        if let rpcfile { defaults["rpcfile"] = .string(rpcfile) }
        if let socket { defaults["socket"] = .string(socket) }
        await DriverRunner.main(CLNDriver(defaults: defaults))
    }
}
