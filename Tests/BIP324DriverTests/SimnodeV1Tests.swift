import Altstack
import BitcoinPrimitives
import BitcoindRPC
import DriverProtocol
import Foundation
import Testing
import TestSupport

/// `--v1-fallback` against simnode (the project's regtest bitcoind double, v1 P2P only): the
/// driver falls back to v1 and carries simnode's real regtest headers to the core.
@Suite struct SimnodeV1Tests {
    /// `altnet-harness simnode` (TestSupport's ``SimnodeChild``) on free RPC and P2P ports, with
    /// user/password RPC auth, in a temporary directory.
    /// - Parameter extra: more `altnet-harness simnode` arguments (e.g. `--v2transport 0`).
    static func simnode(_ extra: [String] = []) async throws -> SimnodeChild {
        var options = SimnodeChild.Options(p2pPort: 0, extra: extra)
        options.userPassword = (user: "u", password: "p")
        return try await SimnodeChild.start(temporary: "bip324-simnode", options)
    }

    @Test func headersFromSimnodeOverV1Fallback() async throws {
        // simnode accepts v2 by default, as bitcoind; v1 only here, so the fallback is exercised.
        let node = try await Self.simnode(["--v2transport", "0"])
        defer { node.kill() }
        let p2pPort = try #require(node.p2pPort)
        let mined: [String] = try await node.rpc.call("simgenerate", [.int(12)])
        #expect(mined.count == 12)

        let config = try DriverFixture.config(ports: [p2pPort], arguments: ["--v1-fallback"])
        try await DriverFixture.withDriver(config) { altstack, events in
            #expect(await altstack.waitUntilReady())
            let id = "127.0.0.1:\(p2pPort)"
            #expect(await events.waitFor { $0.connectedPeer == id } != nil)
            #expect(await events.waitForLog(["peer \(id)", "/simnode:", "PLAINTEXT v1"]) != nil)
            let answer = try await altstack.sendMessage(DriverInteropTests.getHeaders, timeout: .seconds(20))
            let reply = try #require(answer.value.replies.first)
            #expect(reply.command == "headers")
            let hashes = try DriverFixture.headerHashes(reply)
            #expect(hashes == mined)
        }
    }
}
