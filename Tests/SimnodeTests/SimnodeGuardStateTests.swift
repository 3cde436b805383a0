import BitcoinPrimitives
import BitcoindRPC
import Foundation
import Simnode
import TestSupport
import Testing

/// The two bitcoind states altnet's rescue guards read (issue 14), as simnode reports them:
/// initial block download (`simsetibd`) and a best header ahead of the active chain.
@Suite struct SimnodeGuardStateTests {
    @Test("simsetibd true holds initial block download through new blocks; false ends it for good")
    func initialBlockDownloadIsSettable() async throws {
        try await InProcessSimnode.with { node in
            let rpc = node.rpc
            _ = try await rpc.call("simgenerate", [3], as: [String].self)
            #expect(try await !rpc.getBlockchainInfo().initialBlockDownload, "a recent tip ends IBD, as in Core")

            #expect(try await rpc.simSetInitialBlockDownload(true))
            #expect(try await rpc.getBlockchainInfo().initialBlockDownload)
            // A recent block would end Core's IBD; the pinned state holds.
            _ = try await rpc.call("simgenerate", [2], as: [String].self)
            let during = try await rpc.getBlockchainInfo()
            #expect(during.initialBlockDownload && during.blocks == 5)

            #expect(try await !rpc.simSetInitialBlockDownload(false))
            #expect(try await !rpc.getBlockchainInfo().initialBlockDownload)
            _ = try await rpc.call("simgenerate", [1], as: [String].self)
            #expect(try await !rpc.getBlockchainInfo().initialBlockDownload)
        }
    }

    @Test("a fresh node is in IBD until a recent block; simsetibd false ends it at genesis")
    func freshNodeIsInInitialBlockDownload() async throws {
        try await InProcessSimnode.with { node in
            #expect(try await node.rpc.getBlockchainInfo().initialBlockDownload)
            try await node.rpc.simSetInitialBlockDownload(false)
            let info = try await node.rpc.getBlockchainInfo()
            #expect(!info.initialBlockDownload && info.blocks == 0)
        }
    }

    @Test("headers ahead of blocks: simfork 0 N headers-only, and submitheader without the block")
    func headersAheadOfBlocks() async throws {
        try await InProcessSimnode.with { node in
            let rpc = node.rpc
            _ = try await rpc.call("simgenerate", [4], as: [String].self)
            let fork = try await rpc.simFork(depth: 0, blocks: 3, mode: "headers-only")
            #expect(fork.status == "headers-only" && fork.height == 7)
            let info = try await rpc.getBlockchainInfo()
            #expect(info.blocks == 4 && info.headers == 7, "\(info)")
            let tips = try await rpc.getChainTips()
            #expect(tips.contains { $0.status == .headersOnly && $0.height == 7 && $0.branchLength == 3 })
            struct Activated: Decodable { let height: Int }
            let activated: Activated = try await rpc.call("simactivate", [.string(fork.tip)])
            #expect(activated.height == 7)
            let after = try await rpc.getBlockchainInfo()
            #expect(after.blocks == 7 && after.headers == 7)
        }
        // The same state from submitheader alone: another node's headers, none of its blocks.
        try await InProcessSimnode.with { source in
            try await InProcessSimnode.with { node in
                let hashes: [String] = try await source.rpc.call("simgenerate", [5])
                for hex in hashes {
                    try await node.rpc.submitHeader(try await source.rpc.getBlockHeader(try BlockHash(displayHex: hex)))
                }
                let info = try await node.rpc.getBlockchainInfo()
                #expect(info.blocks == 0 && info.headers == 5, "\(info)")
            }
        }
    }
}
