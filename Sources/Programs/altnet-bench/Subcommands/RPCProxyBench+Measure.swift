import BitcoindRPC
import Foundation
import NIOCore

/// The run of `altnet-bench rpc-proxy`: start the parties, measure, print, stop the parties.
extension RPCProxyBench {
    func measure() async throws {
        let dir = NSTemporaryDirectory() + "altnet-bench-rpcproxy-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let upstream: (child: Child, port: Int, cookie: String)
        if let bitcoind {
            upstream = try await Self.startBitcoind(path: bitcoind, datadir: dir + "/bitcoind", rpcThreads: rpcThreads, rpcWorkQueue: rpcWorkQueue)
        } else {
            upstream = try await Self.startParty(["--role", "simnode", "--datadir", dir + "/simnode"])
        }
        let proxy: (child: Child, port: Int, cookie: String)
        do {
            proxy = try await Self.startParty(
                ["--role", "proxy", "--datadir", dir + "/proxy", "--upstream-port", "\(upstream.port)", "--upstream-cookie", upstream.cookie,
                 "--connections", "\(proxyConnections ?? clients)"] + (taskPath ? ["--task-path"] : []))
        } catch {
            await stopUpstream(upstream)
            throw error
        }
        do {
            try await measure(upstream: upstream, proxy: proxy)
        } catch {
            await proxy.child.stop()
            await stopUpstream(upstream)
            throw error
        }
        await proxy.child.stop()
        await stopUpstream(upstream)
    }

    private func stopUpstream(_ upstream: (child: Child, port: Int, cookie: String)) async {
        if bitcoind != nil {
            await Self.stopBitcoind(upstream.child, port: upstream.port, cookie: upstream.cookie)
        } else {
            await upstream.child.stop()
        }
    }

    private func measure(upstream: (child: Child, port: Int, cookie: String), proxy: (child: Child, port: Int, cookie: String)) async throws {
        let pids = RPCProxyBenchPIDs(proxy: proxy.child.pid, upstream: upstream.child.pid)
        let clients = self.clients
        func client(port: Int, cookie: String) -> BitcoindRPCClient {
            var config = BitcoindRPCClient.Configuration(port: port, credentials: .cookieFile(cookie))
            config.maxConnections = clients
            config.maxIdleConnections = clients
            return BitcoindRPCClient(config)
        }
        let direct = client(port: upstream.port, cookie: upstream.cookie)
        let viaProxy = client(port: proxy.port, cookie: proxy.cookie)
        // simnode mines on request; a fresh regtest bitcoind has only genesis (height 0).
        var height = 0
        if bitcoind == nil {
            let _: [String] = try await direct.call("simgenerate", [10])
            height = 5
        }
        let body = ByteBuffer(string: #"{"jsonrpc":"1.0","id":"bench","method":"getblockhash","params":[\#(height)]}"#)

        // Warm both paths (connections, caches), then measure: saturated (closed loop) direct,
        // then proxy; then the fixed rate, direct and proxy rounds alternating.
        _ = try await Self.loaded(direct, body: body, clients: clients, seconds: 0.5, pids: pids)
        _ = try await Self.loaded(viaProxy, body: body, clients: clients, seconds: 0.5, pids: pids)
        let directLoaded = try await Self.loaded(direct, body: body, clients: clients, seconds: seconds, pids: pids)
        let proxyLoaded = try await Self.loaded(viaProxy, body: body, clients: clients, seconds: seconds, pids: pids)
        var directFixed = OpenLoopRun(run: Run(latencies: [], requestsPerSecond: 0), sendLateness: [])
        var proxyFixed = directFixed
        for _ in 0..<rounds {
            for (path, isProxy) in [(direct, false), (viaProxy, true)] {
                let round = try await Self.openLoop(path, body: body, clients: clients, rate: rate, seconds: seconds, pids: pids)
                if isProxy { proxyFixed.merge(round, rounds: rounds) } else { directFixed.merge(round, rounds: rounds) }
            }
        }
        let directSeq = try await Self.unloaded(direct, body: body, calls: sequential)
        let proxySeq = try await Self.unloaded(viaProxy, body: body, calls: sequential)
        emit(directLoaded: directLoaded, proxyLoaded: proxyLoaded, directFixed: directFixed, proxyFixed: proxyFixed,
             directSeq: directSeq, proxySeq: proxySeq)
        await direct.close()
        await viaProxy.close()
    }
}
