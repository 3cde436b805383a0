import ArgumentParser
import BitcoindRPC
import Foundation
import Logging
import RPCProxyCore
import Simnode

/// `altnet-bench party` (hidden): one party of `altnet-bench rpc-proxy` in a process of its own,
/// so that its CPU is its own /proc/PID/stat. Starts simnode or the RPC proxy (the same
/// library code `altnet-harness simnode` and `altnet-driver-rpc proxy` run), prints
/// `ready PORT COOKIE` on stdout, serves until its stdin closes (the bench closes it to stop it,
/// and a bench that dies closes it too, so no party outlives it), then shuts down and exits.
struct BenchPartyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "party", abstract: "A party of the rpc-proxy bench in its own process (started by the bench).",
        shouldDisplay: false)

    enum Role: String, ExpressibleByArgument { case simnode, proxy }

    @Option(help: "simnode or proxy.")
    var role: Role

    @Option(help: "The party's data directory.")
    var datadir: String

    @Option(help: "The proxy's upstream RPC port (role proxy).")
    var upstreamPort = 0

    @Option(help: "The upstream's cookie file (role proxy).")
    var upstreamCookie = ""

    @Option(help: "The proxy's keep-alive connections to the upstream.")
    var connections = 64

    @Flag(help: "Every call on the proxy's task path.")
    var taskPath = false

    func run() throws {
        let quiet = Logger(label: "bench-party", factory: { _ in SwiftLogNoOpLogHandler() })
        let (role, datadir, port, cookie, connections, taskPath) = (role, datadir, upstreamPort, upstreamCookie, connections, taskPath)
        let started = BenchPartyBox()
        let ready = DispatchSemaphore(value: 0)
        Task.detached {
            do {
                switch role {
                case .simnode:
                    let node = try await SimnodeServer.start(SimnodeServer.Configuration(datadir: datadir), logger: quiet)
                    started.stop = { await node.shutdown() }
                    started.line = "ready \(node.rpcPort) \(datadir)/regtest/.cookie"
                case .proxy:
                    var options = RPCProxyOptions(
                        bitcoindHost: "127.0.0.1", bitcoindPort: port, bitcoindCredentials: .cookieFile(cookie), datadir: datadir)
                    options.listenPort = 0
                    options.bitcoindConnections = connections
                    options.eventLoopForwarding = !taskPath
                    let proxy = try await RunningRPCProxy.start(options, logger: quiet)
                    started.stop = { await proxy.close() }
                    started.line = "ready \(proxy.port) \(proxy.cookie.path)"
                }
            } catch {
                started.line = "failed \(error)"
            }
            ready.signal()
        }
        ready.wait()
        FileHandle.standardOutput.write(Data((started.line + "\n").utf8))
        guard let stop = started.stop else { throw ExitCode.failure }
        _ = FileHandle.standardInput.readDataToEndOfFile()
        let stopped = DispatchSemaphore(value: 0)
        Task.detached {
            await stop()
            stopped.signal()
        }
        stopped.wait()
    }
}

private final class BenchPartyBox: @unchecked Sendable {
    // @unchecked: written by the starting task before the semaphore is signalled, read after it.
    var line = ""
    var stop: (@Sendable () async -> Void)?
}
