import AltnetDaemon
import Altstack
import ArgumentParser
import Foundation
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// altnetd: parse arguments, set up logging, run ``Daemon``.
@main
struct AltnetdCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "altnetd",
        abstract: "The altnet watchdog daemon beside bitcoind.",
        discussion: """
            Reads altnet.conf (--conf, or DIR/altnet.conf) and runs the watchdog, the drivers whose \
            sections are present, the control socket DIR/altnetd.sock and the metrics endpoint. \
            Every configuration key is also a flag: --KEY=VALUE for top-level keys (--network=regtest), \
            --SECTION.KEY=VALUE for section keys (--bitcoind.rpcconnect=127.0.0.1:18443, \
            --bip324.connect=HOST:PORT, repeatable), and --SECTION alone to enable a driver section \
            without keys (--rpc). Flags override the file. With no altnet.conf, altnetd reads bitcoind's \
            own bitcoin.conf (--bitcoind.datadir, default ~/.bitcoin): network, RPC port, cookie or \
            rpcuser, ZMQ; it logs what it chose and asks for what is missing with the lines to add. \
            The metrics port also serves a status page at /. See docs/altnetd.md.
            """)

    @Option(name: .customLong("conf"), help: "Configuration file (default: DIR/altnet.conf when present).")
    var conf: String?

    @Option(name: .customLong("datadir"), help: "Data directory (lock, control socket, cookie, driver data).")
    var datadir: String

    @Option(name: .customLong("driverdir"), help: "Directory of the altnet-driver-* executables (default: altnetd's own).")
    var driverdir: String?

    @Argument(parsing: .allUnrecognized, help: "Configuration flags: --KEY=VALUE, --SECTION.KEY=VALUE, --SECTION.")
    var settings: [String] = []

    func run() async throws {
        // A daemon started by a process that blocks SIGTERM/SIGINT (test runners, some
        // supervisors) would never see them: unblock, so graceful shutdown always works.
        TerminationSignals.unblock()
        // Writing to a driver that died must be an error, not the end of the daemon.
        signal(SIGPIPE, SIG_IGN)

        let options = Daemon.Options(dataDir: datadir, configFile: conf, flags: settings,
                                     driverDirectory: driverdir ?? Self.ownDirectory())
        let level: Logger.Level
        do {
            level = Logger.Level(rawValue: try Daemon.settings(options).logLevel) ?? .info
        } catch {
            FileHandle.standardError.write(Data("altnetd: \(error)\n".utf8))
            throw ExitCode(1)
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        var logger = Logger(label: "altnet.daemon")
        logger.logLevel = level
        do {
            try await Daemon.run(options, logger: logger)
        } catch let error as DaemonError {
            FileHandle.standardError.write(Data("altnetd: \(error.message)\n".utf8))
            throw ExitCode(1)
        }
    }

    /// The directory of the running executable (drivers are installed beside it).
    static func ownDirectory() -> String {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: exe).deletingLastPathComponent().path
    }
}
