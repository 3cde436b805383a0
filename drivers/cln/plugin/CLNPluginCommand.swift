import Foundation

/// `altnet-cln-plugin`: the half of the Core Lightning carrier that lightningd runs.
///
/// lightningd starts it (`plugin=` or `important-plugin=` in its config, or `lightning-cli plugin
/// start`) and speaks its plugin protocol on standard input and output. It declares the altnet
/// feature bit, registers the `custommsg` hook (always answered `continue`) and hands altnet
/// messages to altnetd's `[cln]` driver through a Unix socket (option `altnet-datadir`, default
/// `~/.altnet`: `DIR/cln/plugin.sock`). It sends nothing itself and never sees the node key.
@main
struct CLNPluginCommand {
    static func main() async {
        if CommandLine.arguments.dropFirst().contains(where: { $0 == "--help" || $0 == "-h" }) {
            print("altnet-cln-plugin: a Core Lightning plugin; lightningd runs it (plugin=/path/to/altnet-cln-plugin). See docs/driver-lightning.md.")
            return
        }
        do {
            try await PluginRunner.run()
        } catch {
            PluginRunner.log("stopped: \(error)")
        }
        exit(0)
    }
}
