import AltnetControl
import ArgumentParser
import DriverProtocol
import Foundation
import JSON

/// altnet-cli: one control call to altnetd, the result printed as JSON; `doctor` and
/// `fetchheaders --wait` are the two methods it renders itself.
@main
struct AltnetCLICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "altnet-cli",
        abstract: "Talk to altnetd over its control socket.",
        discussion: """
            Methods: getinfo, listdrivers, listpeers, listanomalies, listrescues, getaltchaintips, \
            fetchheaders [--wait], sendemergencytx TX_HEX, doctor, stop, help. Arguments are JSON values \
            when they parse as JSON, strings otherwise. Exit codes as bitcoin-cli: 0 success, 1 RPC error \
            or altnetd unreachable.

            doctor checks bitcoind (reachable, v26 or later, credentials, out of initial block download, ZMQ configured and delivering, \
            pruning and the RPC proxy, v2transport), each driver and its peers, the clock offset of \
            bitcoind's peers and the free disk space, and prints one line per check: OK, WARN or FAIL, \
            with what to do. Exit 1 when any check fails.

            fetchheaders --wait shows progress while the rescue runs (headers and blocks bitcoind gained \
            so far): a progress bar on a terminal, JSON lines otherwise; then the report.
            """)

    @Option(name: .customLong("datadir"), help: "altnetd's data directory (socket and cookie).")
    var datadir: String = NSHomeDirectory() + "/.altnet"

    @Option(name: .customLong("timeout"), help: "Seconds to wait for a reply.")
    var timeout: Int = 300

    @Argument(help: "The method.")
    var method: String

    @Argument(parsing: .captureForPassthrough, help: "Its arguments (fetchheaders takes --wait).")
    var arguments: [String] = []

    func run() throws {
        let client = ControlClient(dataDir: datadir, timeoutSeconds: timeout)
        switch method {
        case "doctor":
            throw ExitCode(DoctorOutput.run(client: client, dataDir: datadir))
        case "fetchheaders" where arguments == ["--wait"]:
            throw ExitCode(FetchHeadersProgress.run(client: client, terminal: isatty(1) == 1))
        default:
            break
        }
        let params = JSONValue.array(arguments.map { text in
            (try? JSONValue.parse(text)) ?? .string(text)
        })
        do {
            let result = try client.call(method, params)
            print(CLIOutput.render(result))
        } catch {
            FileHandle.standardError.write(Data("\(error.message)\n".utf8))
            throw ExitCode(1)
        }
    }
}
