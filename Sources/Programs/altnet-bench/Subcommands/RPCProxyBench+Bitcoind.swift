import BitcoindRPC
import Foundation

/// `altnet-bench rpc-proxy --bitcoind PATH`: a real regtest bitcoind as the upstream, started
/// by the bench in a fresh data directory and removed afterwards.
extension RPCProxyBench {
    /// bitcoind's command line: regtest, RPC on loopback with cookie auth, no P2P listening and
    /// no peers; `rpcthreads` and `rpcworkqueue` as given (Core's defaults are 16 and 64 since
    /// v29; 4 and 16 before).
    static func bitcoindArguments(datadir: String, rpcPort: Int, p2pPort: Int, rpcThreads: Int, rpcWorkQueue: Int) -> [String] {
        [
            "-regtest", "-server", "-datadir=\(datadir)", "-rpcport=\(rpcPort)", "-port=\(p2pPort)", "-listen=0",
            "-rpcbind=127.0.0.1", "-rpcallowip=127.0.0.1", "-rpcthreads=\(rpcThreads)", "-rpcworkqueue=\(rpcWorkQueue)",
            "-connect=0", "-dnsseed=0", "-fixedseeds=0", "-discover=0", "-printtoconsole=0",
        ]
    }

    /// Starts bitcoind and waits until its RPC answers (`getblockcount`; a node still loading
    /// answers -28, which counts as not yet).
    /// - Parameters:
    ///   - path: the bitcoind executable.
    ///   - datadir: an empty directory of the bench's own (created here).
    /// - Returns: the child, its RPC port and its cookie file (`DATADIR/regtest/.cookie`).
    /// - Throws: ``BenchFailure`` when it exits or does not answer within `timeout` seconds
    ///   (it is stopped first).
    static func startBitcoind(path: String, datadir: String, rpcThreads: Int, rpcWorkQueue: Int, timeout: Double = 60) async throws
        -> (child: Child, port: Int, cookie: String)
    {
        try FileManager.default.createDirectory(atPath: datadir, withIntermediateDirectories: true)
        let rpcPort = try BIP324ProxyBench.freePort(), p2pPort = try BIP324ProxyBench.freePort()
        let child = try Child(path, bitcoindArguments(
            datadir: datadir, rpcPort: rpcPort, p2pPort: p2pPort, rpcThreads: rpcThreads, rpcWorkQueue: rpcWorkQueue))
        let cookie = datadir + "/regtest/.cookie"
        let rpc = BitcoindRPCClient(BitcoindRPCClient.Configuration(port: rpcPort, credentials: .cookieFile(cookie)))
        defer { Task { await rpc.close() } }
        let deadline = BenchOutput.now() + UInt64(timeout * 1e9)
        while BenchOutput.now() < deadline, child.process.isRunning {
            if FileManager.default.fileExists(atPath: cookie), (try? await rpc.call("getblockcount", as: Int.self)) != nil {
                return (child, rpcPort, cookie)
            }
            try await Task.sleep(nanoseconds: 200_000_000)
        }
        let exited = !child.process.isRunning
        await stopBitcoind(child, port: rpcPort, cookie: cookie)
        throw BenchFailure(description: exited
            ? "bitcoind at \(path) exited with status \(child.process.terminationStatus) before answering RPC (its debug.log is in the removed data directory: run it by hand with the same options)"
            : "bitcoind at \(path) did not answer RPC within \(Int(timeout)) s")
    }

    /// Asks bitcoind to `stop` and waits for it to exit (killed after 30 s): no process left.
    static func stopBitcoind(_ child: Child, port: Int, cookie: String) async {
        let rpc = BitcoindRPCClient(BitcoindRPCClient.Configuration(port: port, credentials: .cookieFile(cookie)))
        _ = try? await rpc.call("stop", as: String.self)
        await rpc.close()
        await child.stop(grace: 30)
    }
}
