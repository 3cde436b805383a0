import BitcoinPrimitives
import BitcoindRPC
import Foundation
import Simnode
import TestSupport
import Testing

/// simnode's v1 P2P listener against Bitcoin Core's functional test framework (verystable).
@Suite struct SimnodeP2PTests {
    @Test func coreFrameworkPeerGetsHeadersAndBlocks() async throws {
        try await InProcessSimnode.with({ config in config.p2pPort = 0 }) { node in
            let server = node.server
            let port = try #require(server.p2pPort)
            let mined = try await server.node.call("generatetoaddress", params: .array([.int(12), .string(regtestMiningAddress)]))
            guard case .array(let hashes) = mined else { Issue.record("no hashes"); return }
            let expected = hashes.compactMap { v -> String? in if case .string(let s) = v { return s } else { return nil } }

            let script = SharedData.packageRoot.appendingPathComponent("integration/simnode_p2p_peer.py").path
            let (status, outputText, errText) = try await runToEnd("/usr/bin/env", ["python3", script, String(port)])
            let output = Data(outputText.utf8), errData = Data(errText.utf8)
            let stderr = String(decoding: errData, as: UTF8.self)
            try #require(status == 0, "simnode_p2p_peer.py failed (verystable installed?): \(stderr)")

            struct Result: Decodable {
                struct Block: Decodable { let hash: String; let valid: Bool; let has_witness: Bool }
                let user_agent: String
                let protocol_version: Int
                let pong: UInt64
                let headers: [String]
                let headers_linked: Bool
                let witness_block: Block
                let block: Block
                let notfound: [String]
            }
            let r = try JSONDecoder().decode(Result.self, from: output)
            #expect(r.user_agent == "/simnode:0.1.0/")
            #expect(r.protocol_version == 70016)
            #expect(r.pong == 424242)
            #expect(r.headers == expected)
            #expect(r.headers_linked)
            #expect(r.witness_block.hash == expected.last && r.witness_block.valid && r.witness_block.has_witness)
            #expect(r.block.hash == expected.last && r.block.valid && !r.block.has_witness)
            #expect(r.notfound == [String(repeating: "0", count: 63) + "1"])
        }
    }
}
