import Altstack
import BitcoindRPC
import DriverProtocol
import Foundation
import Testing
import TestSupport

/// simnode held in initial block download (`simsetibd true`) behaves on the wire as Core does in
/// IBD: the version handshake completes, getheaders gets no answer; once out of IBD it answers.
/// (The fan-out tests use such a node as a silent peer.)
@Suite struct SimnodeIBDOverP2PTests {
    @Test func getheadersIsIgnoredDuringInitialBlockDownload() async throws {
        let (node, mined) = try await PeerAddressingTests.simnode(host: "127.0.0.1", blocks: 5)
        defer { node.kill() }
        try await node.rpc.simSetInitialBlockDownload(true)
        let id = "127.0.0.1:\(try #require(node.p2pPort))"
        try await DriverFixture.withDriver(try PeerAddressingTests.config([id])) { altstack, events in
            #expect(await altstack.waitUntilReady())
            #expect(await events.waitFor { $0.connectedPeer == id } != nil, "the handshake completes in IBD")
            do throws(AltstackError) {
                let answer = try await altstack.sendMessage(DriverInteropTests.getHeaders, peer: id, timeout: .seconds(2))
                Issue.record("a node in IBD answered getheaders: \(answer.value.replies.map(\.command))")
            } catch {
                #expect("\(error)".contains("timeout"), "\(error)")
            }
            // The driver's own wait for that request (the same 2 s, started a moment later) must
            // end first, or the answer to the next request would go to it (replies pair with the
            // oldest waiting request that they answer).
            try await Task.sleep(for: .seconds(1))
            try await node.rpc.simSetInitialBlockDownload(false)
            let answer = try await altstack.sendMessage(DriverInteropTests.getHeaders, peer: id, timeout: .seconds(10))
            #expect(try DriverFixture.headerHashes(try #require(answer.value.replies.first)) == mined)
        }
    }
}
