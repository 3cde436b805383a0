import Altstack
import BitcoinPrimitives
import BitcoindRPC
import DriverProtocol
import Foundation
import Testing
import TestSupport

/// altnet-driver-bip324 (outbound, v2 only) against simnode's BIP324 listener, through an
/// Altstack: 2,000 headers over v2, getpeerinfo shows the encrypted peer, and a transaction
/// given to `broadcasttx` is announced, requested by simnode and lands in its mempool.
@Suite struct SimnodeV2DriverTests {
    /// getpeerinfo's fields this test reads.
    struct Peer: Decodable {
        let subver: String
        let transport_protocol_type: String
        let session_id: String
        let inbound: Bool
    }

    @Test func headersAndBroadcastTxOverV2() async throws {
        let node = try await SimnodeV1Tests.simnode()
        defer { node.kill() }
        let p2pPort = try #require(node.p2pPort)
        let rpc = node.rpc
        var config = BitcoindRPCClient.Configuration(port: node.rpcPort, credentials: .userPassword(user: "u", password: "p"))
        config.requestTimeout = .seconds(120)
        let slowRPC = BitcoindRPCClient(config)
        let mined: [String] = try await slowRPC.call("simgenerate", [.int(2_100)])
        await slowRPC.close()
        #expect(mined.count == 2_100)

        // No --v1-fallback: the connection must be v2 or nothing.
        try await DriverFixture.withDriver(try DriverFixture.config(ports: [p2pPort])) { altstack, events in
            #expect(await altstack.waitUntilReady())
            let id = "127.0.0.1:\(p2pPort)"
            #expect(await events.waitFor { $0.connectedPeer == id } != nil)
            #expect(await events.waitForLog(["peer \(id)", "/simnode:", "encrypted (BIP324 v2)"]) != nil)

            let answer = try await altstack.sendMessage(DriverInteropTests.getHeaders, timeout: .seconds(30))
            let reply = try #require(answer.value.replies.first)
            #expect(reply.command == "headers")
            let hashes = try DriverFixture.headerHashes(reply)
            #expect(hashes == Array(mined.prefix(2_000)))

            let peers: [Peer] = try await rpc.call("getpeerinfo", [])
            let driverPeer = try #require(peers.first { $0.subver.contains("altnet") })
            #expect(driverPeer.transport_protocol_type == "v2")
            #expect(driverPeer.session_id.count == 64)
            #expect(driverPeer.inbound)

            let tx = DriverInteropTests.witnessTx()
            let outcomes = await altstack.broadcastTx(tx.serialized().hex)
            let result = try #require(try outcomes.first?.result.get())
            #expect(result.accepted && result.peers == 1)
            // simnode, like Core, asks an inbound peer for an announced tx after 2 s.
            var mempool: [String] = []
            let deadline = ContinuousClock.now + .seconds(20)
            while ContinuousClock.now < deadline {
                mempool = try await rpc.call("getrawmempool", [])
                if mempool.contains(tx.txid.displayHex) { break }
                try await Task.sleep(for: .milliseconds(200))
            }
            #expect(mempool == [tx.txid.displayHex])
        }
    }
}
