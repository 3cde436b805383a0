import BitcoinPrimitives
import BitcoindRPC
import Foundation

/// One side of the demo: a bitcoind (simnode, regtest) and, once started, its altnetd.
final class DemoNode: @unchecked Sendable {
    let name: String
    let dir: String
    let binDir: String
    let rpcPort: Int
    let p2pPort: Int
    let zmqPort: Int
    let rpc: BitcoindRPCClient
    /// simnode or a real bitcoind.
    let backend: DemoBackend
    private(set) var bitcoind: ChildProcess?
    private(set) var altnetd: ChildProcess?

    var cookieFile: String { "\(dir)/bitcoind/regtest/.cookie" }
    var altnetDir: String { "\(dir)/altnet" }

    init(name: String, dir: String, binDir: String, backend: DemoBackend = .simnode) async throws {
        self.name = name
        self.backend = backend
        self.dir = dir
        self.binDir = binDir
        rpcPort = try FreeLoopbackPort.pick()
        p2pPort = try FreeLoopbackPort.pick()
        zmqPort = try FreeLoopbackPort.pick()
        try FileManager.default.createDirectory(atPath: "\(dir)/bitcoind", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: "\(dir)/altnet", withIntermediateDirectories: true)
        rpc = BitcoindRPCClient(.init(port: rpcPort, credentials: .cookieFile("\(dir)/bitcoind/regtest/.cookie")))
    }

    /// Starts the bitcoind (simnode or Bitcoin Core) and waits until its RPC answers.
    /// - Parameter listens: whether it accepts P2P connections (Bob's does, for BIP324).
    func startBitcoind(listens: Bool = true) async throws {
        let (program, arguments) = backend.command(binDir: binDir, dir: dir, rpcPort: rpcPort, p2pPort: p2pPort,
                                                   zmqPort: zmqPort, listens: listens)
        bitcoind = try ChildProcess(name: "\(name)'s bitcoind", executable: program, arguments: arguments,
                                    logPath: "\(dir)/bitcoind.log")
        try await waitFor("\(name)'s bitcoind RPC", timeout: backend.isSimnode ? .seconds(20) : .seconds(120)) { [rpc] in
            (try? await rpc.getBlockchainInfo()) != nil
        }
    }

    /// Mines `count` blocks (see ``DemoBackend/mine(_:_:)``).
    func mine(_ count: Int) async throws -> [String] { try await backend.mine(rpc, count) }

    /// Writes altnet.conf (`sections` after the common part) and starts altnetd on it.
    func startAltnetd(staleTipSeconds: Int, crossCheckSeconds: Int, sections: String) async throws {
        let conf = """
            # \(name)'s altnet.conf, written by altnet-harness demo
            network=regtest

            [bitcoind]
            rpcconnect=127.0.0.1:\(rpcPort)
            rpccookiefile=\(cookieFile)
            zmqpub=tcp://127.0.0.1:\(zmqPort)

            [watchdog]
            staletipseconds=\(staleTipSeconds)
            crosscheckseconds=\(crossCheckSeconds)
            pollseconds=1

            [control]
            metrics=

            \(sections)
            """
        try conf.write(toFile: "\(altnetDir)/altnet.conf", atomically: true, encoding: .utf8)
        altnetd = try ChildProcess(
            name: "\(name)'s altnetd", executable: "\(binDir)/altnetd",
            arguments: ["--datadir", altnetDir, "--conf", "\(altnetDir)/altnet.conf"],
            logPath: "\(dir)/altnetd.log")
        try await waitFor("\(name)'s altnetd control socket", timeout: .seconds(20)) { [self] in
            (try? await cli("getinfo")) != nil
        }
    }

    /// Calls altnet-cli against this node's altnetd and parses the JSON result.
    func cli(_ method: String, _ args: String...) async throws -> Any {
        let out = try await runToCompletion("\(binDir)/altnet-cli", ["--datadir", altnetDir, method] + args)
        let data = Data(out.utf8)
        return (try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])) ?? out
    }

    /// bitcoind's tip (hash and height).
    func tip() async throws -> (hash: BlockHash, height: Int) {
        let info = try await rpc.getBlockchainInfo()
        return (info.bestBlockHash, info.blocks)
    }

    /// Stops altnetd then bitcoind (SIGTERM, SIGKILL after a grace period).
    func stopAll() async {
        await altnetd?.stop()
        // Bitcoin Core flushes its databases on SIGTERM: give it time before SIGKILL.
        await bitcoind?.stop(grace: backend.isSimnode ? .seconds(5) : .seconds(30))
        await rpc.close()
    }

    /// Stops altnetd gracefully (SIGTERM), leaving bitcoind running.
    func stopAltnetd() async { await altnetd?.stop() }

    /// Stops only altnetd hard, as a crash.
    func killAltnetd() async { await altnetd?.killHard() }
}

/// Polls `condition` every 100 ms until it holds.
/// - Throws: ``DemoError`` naming `what` when `timeout` passes first.
func waitFor(_ what: String, timeout: Duration, _ condition: @Sendable () async -> Bool) async throws {
    _ = try await poll(what, timeout: timeout) { await condition() ? true : nil }
}

/// Polls `probe` every 100 ms until it returns a value.
/// - Returns: the first non-nil value.
/// - Throws: ``DemoError`` naming `what` when `timeout` passes first.
func poll<T: Sendable>(_ what: String, timeout: Duration, _ probe: @Sendable () async -> T?) async throws -> T {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if let value = await probe() { return value }
        try await Task.sleep(for: .milliseconds(100))
    }
    throw DemoError("timed out after \(timeout) waiting for \(what)")
}
