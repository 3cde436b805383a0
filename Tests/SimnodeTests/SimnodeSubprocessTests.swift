import BitcoinPrimitives
import BitcoindRPC
import Foundation
import TestSupport
import Testing

/// BitcoindRPC against `altnet-harness simnode` as a real subprocess (TestSupport's ``SimnodeChild``).
@Suite(.serialized) struct SimnodeSubprocessTests {
    @Test func typedCallsAgainstTheRealSubprocess() async throws {
        let started = Date()
        let dir = try TempDir()
        defer { dir.cleanup() }
        let node = try await SimnodeChild.start(datadir: dir.path)
        defer { node.kill() }
        let cookiePath = node.cookiePath
        let attributes = try FileManager.default.attributesOfItem(atPath: cookiePath)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let cookie = try String(contentsOfFile: cookiePath, encoding: .utf8)
        #expect(cookie.hasPrefix("__cookie__:") && cookie.count == 11 + 64)

        let rpc = node.rpc
        let hashes: [String] = try await rpc.call("generatetoaddress", [3, .string(regtestMiningAddress)])
        let best = try await rpc.getBestBlockHash()
        #expect(best.displayHex == hashes[2])
        #expect(try await rpc.getBlockHash(height: 3) == best)
        #expect(try await rpc.getBlockchainInfo().blocks == 3)
        #expect(try await rpc.getBlockHeader(best).hash == best)
        #expect(try await rpc.getBlockHeaderInfo(best).height == 3)
        #expect(try BlockHeader(bytes: try await rpc.getBlockBytes(best).prefix(80)).hash == best)
        #expect(try await rpc.getBlockInfo(best).txids.count == 1)
        #expect(try await rpc.getChainTips().count == 1)
        #expect(try await rpc.getPeerInfo().count == 10)
        #expect(try await rpc.getNetworkInfo().subversion == "/simnode:0.1.0/")
        #expect(try await rpc.getRawMempool().isEmpty)
        let uptime = try await rpc.uptime()
        #expect(plausibleUptimes(since: started).contains(uptime), "uptime \(uptime)")

        // A clean stop (the `stop` RPC) deletes the cookie, as bitcoind does.
        let stopping: String = try await rpc.call("stop")
        #expect(stopping == "Simnode stopping")
        #expect(await node.child.waitForExit(timeout: 20) != nil, "simnode did not exit after the stop RPC")
        #expect(!FileManager.default.fileExists(atPath: cookiePath))
    }

    @Test func clientRecoversAfterRestartWithNewCookie() async throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let cookiePath = dir.path + "/regtest/.cookie"
        var node = try await SimnodeChild.start(datadir: dir.path)
        defer { node.kill() }
        let port = node.rpcPort
        let rpc = BitcoindRPCClient(.init(port: port, credentials: .cookieFile(cookiePath)))
        defer { Task { await rpc.close() } }
        let first = try await rpc.getBestBlockHash()
        let oldCookie = try String(contentsOfFile: cookiePath, encoding: .utf8)

        #expect(await node.stop(), "simnode did not exit cleanly on SIGTERM")
        do throws(BitcoindRPCError) {
            _ = try await rpc.getBestBlockHash()
            Issue.record("call succeeded with simnode down")
        } catch {
            #expect(error.kind == .transient)
            #expect(error.isUnreachable)
        }

        node = try await SimnodeChild.start(datadir: dir.path, .init(rpcPort: port))
        let newCookie = try String(contentsOfFile: cookiePath, encoding: .utf8)
        #expect(newCookie != oldCookie)
        // The client still holds the old cookie: it gets 401, re-reads the file, retries.
        let start = ContinuousClock.now
        let again = try await rpc.getBestBlockHash()
        #expect(again == first)  // both fresh regtest chains: genesis
        let recovery = ContinuousClock.now - start
        print("cookie re-read: first call after the restart answered in \(recovery)")
        #expect(recovery < .seconds(5))
    }

    @Test func persistedChainSurvivesSIGKILL() async throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let cookiePath = dir.path + "/regtest/.cookie"
        var node = try await SimnodeChild.start(datadir: dir.path, .init(persist: true))
        defer { node.kill() }
        let port = node.rpcPort
        let rpc = BitcoindRPCClient(.init(port: port, credentials: .cookieFile(cookiePath)))
        defer { Task { await rpc.close() } }
        _ = try await rpc.call("simgenerate", [4], as: [String].self)
        let tip = try await rpc.getBestBlockHash()
        node.kill()
        node = try await SimnodeChild.start(datadir: dir.path, .init(rpcPort: port, persist: true))
        #expect(try await rpc.getBestBlockHash() == tip)
        #expect(try await rpc.getBlockchainInfo().blocks == 4)
    }

    /// A simnode that cannot start fails at once with its own words (its stderr), not a timeout.
    @Test func aStartFailureQuotesSimnodesStderr() async throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let started = ContinuousClock.now
        do {
            let node = try await SimnodeChild.start(datadir: dir.path, .init(extra: ["--v2transport", "7"]))
            node.kill()
            Issue.record("simnode started with --v2transport 7")
        } catch let failure as SimnodeChild.StartFailure {
            #expect(failure.description.contains("exited with status"), "\(failure)")
            #expect(failure.description.contains("--v2transport must be 0 or 1"), "\(failure)")
        }
        #expect(ContinuousClock.now - started < .seconds(20))
    }

    /// stop(): SIGTERM ends simnode cleanly, and a temporary data directory goes with it.
    @Test func stopEndsCleanlyAndRemovesATemporaryDatadir() async throws {
        let started = Date()
        let node = try await SimnodeChild.start(temporary: "subprocess-test")
        defer { node.kill() }
        #expect(FileManager.default.fileExists(atPath: node.cookiePath))
        let uptime = try await node.rpc.uptime()
        #expect(plausibleUptimes(since: started).contains(uptime), "uptime \(uptime)")
        #expect(await node.stop(), "simnode needed SIGKILL")
        #expect(!node.child.isRunning)
        #expect(!FileManager.default.fileExists(atPath: node.datadir))
    }
}
