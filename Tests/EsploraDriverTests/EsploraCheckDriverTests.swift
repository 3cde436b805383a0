import Altstack
import BitcoinPrimitives
import DriverProtocol
import Foundation
import Testing
import TestSupport

/// `altnet-harness check-driver` (the conformance suite) on the real executable, its `--url`
/// pointing at an Esplora-API server backed by a simnode (regtest, as check-driver's init says).
@Suite(.serialized) struct EsploraCheckDriverTests {
    /// A simnode with `blocks` mined and an Esplora-API server in front of it.
    static func simnodeServer(blocks: Int) async throws -> (SimnodeChild, JSONLinesChild, String) {
        let node = try await SimnodeChild.start(temporary: "esplora", .init(zmq: false))
        do {
            let _: [String] = try await node.rpc.call("simgenerate", [.int(blocks)])
            let (server, url) = try await EsploraFixture.server(
                ["--simnode-rpc", "http://127.0.0.1:\(node.rpcPort)/", "--cookie", node.cookiePath])
            return (node, server, url)
        } catch {
            node.kill()
            throw error
        }
    }

    @Test func harnessCheckDriverPasses() async throws {
        let (node, server, url) = try await Self.simnodeServer(blocks: 20)
        defer {
            server.kill()
            node.kill()
        }
        let driver = try BuiltProduct.path("altnet-driver-esplora")
        let (status, output) = try await DriverFixtures.harness(["check-driver", driver, "--url", url, "--timeout", "5"])
        print(output)
        #expect(status == 0, "check-driver failed:\n\(output)")
        #expect(output.contains("PASS  peer-addressing: 1 listed peer(s) answered getheaders by id"), "\(output)")
        #expect(output.contains("PASS  unknown-peer"), "\(output)")
        #expect(output.contains("all ") && output.contains("checks passed"), "\(output)")
    }

    /// A source on another chain (a regtest server given to a mainnet driver) is dropped at
    /// start: `peerdisconnected`, gone from listpeers, and a request naming it gets -32004; the
    /// other is listed with its tip height as `start_height`.
    @Test func aSourceOnAnotherChainIsNotUsed() async throws {
        let (node, regtest, regtestURL) = try await Self.simnodeServer(blocks: 3)
        defer {
            regtest.kill()
            node.kill()
        }
        let (mainnet, mainnetURL) = try await EsploraFixture.mainnetServer()
        defer { mainnet.kill() }
        try await EsploraFixture.withDriver(try EsploraFixture.config(urls: [mainnetURL, regtestURL])) { supervisor, log in
            var dropped = false
            let deadline = ContinuousClock.now + .seconds(20)
            while !dropped, ContinuousClock.now < deadline {
                let peers = try await supervisor.call(Methods.listPeers, EmptyObject()).result(as: ListPeersResult.self).peers
                // Dropped, and the mainnet source's tip height read and listed as its start_height.
                dropped = peers.map(\.id) == [mainnetURL] && peers.first?.startHeight == 830_592
                if !dropped { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(dropped, "\(log.all.suffix(10))")
            #expect(log.all.contains { $0.contains("serves another chain") && $0.contains(regtestURL) })
            do throws(DriverProtocolError) {
                _ = try await EsploraFixture.getHeaders(supervisor, peer: regtestURL, locator: [BlockHash(Hash256(words: (1, 1, 1, 1)))])
                Issue.record("a request to the dropped source was carried")
            } catch {
                #expect(error.kind == .peerUnavailable, "\(error)")
            }
        }
    }
}
