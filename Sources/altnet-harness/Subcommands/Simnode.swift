import ArgumentParser
import Foundation
import Logging
import Simnode

/// `altnet-harness simnode`: the regtest bitcoind double, for tests and the demo.
struct SimnodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simnode",
        abstract: "A regtest bitcoind double (honest about being one): RPC, cookie, ZMQ, mining on command.")

    @Option(help: "Data directory; the cookie is written to DIR/regtest/.cookie.")
    var datadir: String

    @Option(help: "RPC port on 127.0.0.1 (0: any free port, printed on stdout).")
    var rpcport: Int = 18443

    @Option(help: "v1 P2P port on 127.0.0.1 answering version, ping, getheaders, getdata (0: any free port).")
    var p2pport: Int?

    @Option(help: "ZMQ PUB endpoint for hashblock, rawblock, hashtx, rawtx and sequence, e.g. tcp://127.0.0.1:28332.")
    var zmqpub: String?

    @Option(help: "Mine a block every this many seconds (0: only on command).")
    var mineInterval: Double = 0

    @Option(help: "Use rpcuser/rpcpassword instead of a cookie (both needed).")
    var rpcuser: String?

    @Option(help: "Password for --rpcuser.")
    var rpcpassword: String?

    func validate() throws {
        guard (0...65535).contains(rpcport) else { throw ValidationError("--rpcport must be 0 to 65535") }
        if let p2pport, !(0...65535).contains(p2pport) { throw ValidationError("--p2pport must be 0 to 65535") }
        guard (rpcuser == nil) == (rpcpassword == nil) else {
            throw ValidationError("--rpcuser and --rpcpassword go together")
        }
    }

    func run() async throws {
        var config = SimnodeServer.Configuration(datadir: datadir, rpcPort: rpcport, zmqPub: zmqpub)
        config.miningInterval = mineInterval
        config.p2pPort = p2pport
        config.rpcUser = rpcuser
        config.rpcPassword = rpcpassword
        let logger = Logger(label: "simnode")
        let server = try await SimnodeServer.start(config, logger: logger)
        // One machine-readable line so a parent process can learn the ports.
        let p2p = server.p2pPort.map(String.init) ?? "null"
        let line = "{\"rpcport\":\(server.rpcPort),\"p2pport\":\(p2p),\"zmq\":\"\(server.zmqEndpoint ?? "")\"}\n"
        FileHandle.standardOutput.write(Data(line.utf8))
        let signals = SignalWatcher.start { Task { await server.shutdown() } }
        await server.waitUntilStopped()
        signals.cancel()
    }
}
