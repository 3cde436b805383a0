import ArgumentParser
import Foundation

/// `altnet-cln-plugin`: the half of the Core Lightning carrier that lightningd runs.
///
/// lightningd starts it (`plugin=` or `important-plugin=` in its config, or `lightning-cli plugin
/// start`) and speaks its plugin protocol on standard input and output. It declares the altnet
/// feature bit, registers the `custommsg` hook (always answered `continue`) and hands altnet
/// messages to altnetd's `[cln]` driver through a Unix socket (option `altnet-datadir`, default
/// `~/.altnet`: `DIR/cln/plugin.sock`). It sends nothing itself and never sees the node key.
@main
struct CLNPluginCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "altnet-cln-plugin",
        abstract: "Core Lightning plugin: hands altnet custom messages from lightningd to altnetd's [cln] driver.",
        discussion: """
            Not run by hand: lightningd starts it (plugin=/path/to/altnet-cln-plugin or \
            important-plugin= in its config, or lightning-cli plugin start) and speaks the plugin \
            protocol on standard input and output. Its lightningd options: altnet-datadir \
            (altnetd's data directory, default ~/.altnet; the socket is DIR/cln/plugin.sock), \
            altnet-socket (the socket itself) and altnet-queue-bytes. It declares the altnet \
            feature bit 421 in init and node, answers every custommsg hook with continue and \
            forwards altnet messages; lightning-cli altnet-status shows its counters. See \
            docs/driver-lightning.md, "Running beside Core Lightning".
            """)

    func run() async throws {
        do {
            try await PluginRunner.run()
        } catch {
            PluginRunner.log("stopped: \(error)")
        }
        // The bridge's reconnect loop may still wait: lightningd has closed the pipe, so exit.
        Foundation.exit(0)
    }
}
