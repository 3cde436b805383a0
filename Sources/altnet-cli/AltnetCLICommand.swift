import AltnetControl
import ArgumentParser
import DriverProtocol
import Foundation

/// altnet-cli: one control call to altnetd, the result printed as JSON.
@main
struct AltnetCLICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "altnet-cli",
        abstract: "Talk to altnetd over its control socket.",
        discussion: """
            Methods: getinfo, listdrivers, listpeers, listanomalies, getaltchaintips, fetchheaders, \
            sendemergencytx TX_HEX, stop, help. Arguments are JSON values when they parse as JSON, \
            strings otherwise. Exit codes as bitcoin-cli: 0 success, 1 RPC error or altnetd unreachable.
            """)

    @Option(name: .customLong("datadir"), help: "altnetd's data directory (socket and cookie).")
    var datadir: String = NSHomeDirectory() + "/.altnet"

    @Option(name: .customLong("timeout"), help: "Seconds to wait for a reply.")
    var timeout: Int = 300

    @Argument(help: "The method.")
    var method: String

    @Argument(parsing: .captureForPassthrough, help: "Its arguments.")
    var arguments: [String] = []

    func run() throws {
        let params = JSONValue.array(arguments.map { text in
            (try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))) ?? .string(text)
        })
        let client = ControlClient(dataDir: datadir, timeoutSeconds: timeout)
        do {
            let result = try client.call(method, params)
            print(CLIOutput.render(result))
        } catch {
            FileHandle.standardError.write(Data("\(error.message)\n".utf8))
            throw ExitCode(1)
        }
    }
}
