import BitcoinPrimitives
import BitcoindRPC
import GetBlockFromPeerDriverCore
import Foundation
import Simnode
import TestSupport
import Testing

/// An in-process simnode (real HTTP on 127.0.0.1) with 20 blocks, data below height 10 pruned.
struct PrunedSimnode {
    let dir: TempDir
    let server: SimnodeServer
    let rpc: BitcoindRPCClient
    var cookie: String { dir.path + "/regtest/.cookie" }

    static func start() async throws -> PrunedSimnode {
        let dir = try TempDir()
        let server = try await SimnodeServer.start(SimnodeServer.Configuration(datadir: dir.path))
        var config = BitcoindRPCClient.Configuration(port: server.rpcPort, credentials: .cookieFile(dir.path + "/regtest/.cookie"))
        config.maxConnections = 8
        let rpc = BitcoindRPCClient(config)
        let node = PrunedSimnode(dir: dir, server: server, rpc: rpc)
        let _: [String] = try await rpc.call("simgenerate", [20])
        let _: Int = try await rpc.call("simprune", [10])
        return node
    }

    func stop() async {
        await rpc.close()
        await server.shutdown()
        dir.cleanup()
    }

    func with(_ body: (PrunedSimnode) async throws -> Void) async throws {
        do { try await body(self) } catch {
            await stop()
            throw error
        }
        await stop()
    }
}

/// PeerBlockFetcher against simnode in pruned mode: getblockfrompeer, polling, coalescing, peer
/// rotation and deadlines.
@Suite(.serialized) struct BlockFetcherSimnodeTests {
    static func deadline(_ seconds: Int) -> ContinuousClock.Instant { .now + .seconds(seconds) }

    @Test func prunedBlockIsFetchedThroughAPeer() async throws {
        try await PrunedSimnode.start().with { node in
            let hash = try await node.rpc.getBlockHash(height: 5)
            await #expect(throws: BitcoindRPCError.self) { try await node.rpc.getBlockBytes(hash) }
            let fetcher = PeerBlockFetcher(rpc: node.rpc)
            let bytes = try await fetcher.block(hash, deadline: Self.deadline(10))
            #expect(try Block(bytes: bytes).hash == hash)
            #expect(try await node.rpc.simFetchLog().count == 1)
            // Already there now: served without asking a peer again.
            let again = try await fetcher.block(hash, deadline: Self.deadline(10))
            #expect(again == bytes)
            #expect(try await node.rpc.simFetchLog().count == 1)
        }
    }

    @Test func fiftyConcurrentRequestsMakeOneFetch() async throws {
        try await PrunedSimnode.start().with { node in
            let hash = try await node.rpc.getBlockHash(height: 3)
            let fetcher = PeerBlockFetcher(rpc: node.rpc)
            let results = try await withThrowingTaskGroup(of: [UInt8].self) { group in
                for _ in 0..<50 { group.addTask { try await fetcher.block(hash, deadline: Self.deadline(10)) } }
                return try await group.reduce(into: [[UInt8]]()) { $0.append($1) }
            }
            #expect(results.count == 50)
            #expect(Set(results).count == 1)
            #expect(try Block(bytes: results[0]).hash == hash)
            #expect(try await node.rpc.simFetchLog().count == 1)
            let stats = await fetcher.stats
            #expect(stats.requests == 50 && stats.fetches == 1 && stats.getBlockFromPeerCalls == 1)
        }
    }

    @Test func stallingPeerIsAbandonedForTheNext() async throws {
        try await PrunedSimnode.start().with { node in
            let ids = try await node.rpc.simSetPeers([["delivers": false], [:]])
            let hash = try await node.rpc.getBlockHash(height: 7)
            let fetcher = PeerBlockFetcher(rpc: node.rpc, configuration: .init(peerTimeout: .milliseconds(400)))
            let bytes = try await fetcher.block(hash, deadline: Self.deadline(10))
            #expect(try Block(bytes: bytes).hash == hash)
            #expect(try await node.rpc.simFetchLog() == ids)  // the staller first (lowest id), then the next
            #expect(await fetcher.stats.peerFailures == 1)
        }
    }

    @Test func peersThatRefuseAreSkippedForTheNext() async throws {
        try await PrunedSimnode.start().with { node in
            let ids = try await node.rpc.simSetPeers([
                ["fetch_error": "Peer not fully connected"], ["fetch_error": "Pre-SegWit peer"], [:],
            ])
            let hash = try await node.rpc.getBlockHash(height: 8)
            let fetcher = PeerBlockFetcher(rpc: node.rpc)
            let bytes = try await fetcher.block(hash, deadline: Self.deadline(10))
            #expect(try Block(bytes: bytes).hash == hash)
            #expect(try await node.rpc.simFetchLog() == [ids[2]])  // only the third accepted
            let stats = await fetcher.stats
            #expect(stats.getBlockFromPeerCalls == 3 && stats.peerFailures == 2)
        }
    }

    @Test func rotationCarriesOverBetweenBlocks() async throws {
        try await PrunedSimnode.start().with { node in
            let ids = try await node.rpc.simSetPeers([[:], [:], [:]])
            let fetcher = PeerBlockFetcher(rpc: node.rpc)
            for height in 1...4 {
                _ = try await fetcher.block(try await node.rpc.getBlockHash(height: height), deadline: Self.deadline(10))
            }
            #expect(try await node.rpc.simFetchLog() == [ids[0], ids[1], ids[2], ids[0]])
        }
    }

    @Test func ineligiblePeersAreNotAsked() async throws {
        try await PrunedSimnode.start().with { node in
            let ids = try await node.rpc.simSetPeers([
                ["connection_type": "inbound"], ["connection_type": "feeler"], ["connection_type": "block-relay-only"],
            ])
            let hash = try await node.rpc.getBlockHash(height: 2)
            let fetcher = PeerBlockFetcher(rpc: node.rpc)
            _ = try await fetcher.block(hash, deadline: Self.deadline(10))
            #expect(try await node.rpc.simFetchLog() == [ids[2]])
        }
    }

    @Test func blockNoPeerHasEndsWithAClearErrorAtTheDeadline() async throws {
        try await PrunedSimnode.start().with { node in
            _ = try await node.rpc.simSetPeers([["delivers": false], ["delivers": false]])
            let hash = try await node.rpc.getBlockHash(height: 4)
            let fetcher = PeerBlockFetcher(rpc: node.rpc, configuration: .init(peerTimeout: .milliseconds(300)))
            let start = ContinuousClock.now
            let error = await #expect(throws: BlockFetchError.self) {
                try await fetcher.block(hash, deadline: .now + .milliseconds(1500))
            }
            let elapsed = ContinuousClock.now - start
            #expect(elapsed >= .milliseconds(1500) && elapsed < .seconds(4), "\(elapsed)")
            guard case .deadline(let h, let tried, let last)? = error else {
                Issue.record("expected a deadline error, got \(String(describing: error))")
                return
            }
            #expect(h == hash && tried >= 1)
            #expect(last?.contains("did not deliver") == true)
            #expect(error?.description.contains(hash.displayHex) == true)
            #expect(try await node.rpc.simFetchLog().count >= 2)
        }
    }

    @Test func suppliedHeaderIsSubmittedFirst() async throws {
        try await PrunedSimnode.start().with { node in
            // A regtest header on the tip that nobody has the block for (target 0x207fffff:
            // the hash's top byte below 0x7f is enough).
            let tip = try await node.rpc.getBlockHeader(try await node.rpc.getBestBlockHash())
            var header = BlockHeader(version: 0x2000_0000, previousBlockHash: tip.hash, merkleRoot: Hash256(words: (1, 2, 3, 4)),
                                     time: tip.time + 1, bits: 0x207f_ffff, nonce: 0)
            while header.hash.internalBytes[31] >= 0x7f { header.nonce += 1 }
            let hash = header.hash
            let fetcher = PeerBlockFetcher(rpc: node.rpc, configuration: .init(peerTimeout: .milliseconds(200)))
            await #expect(throws: BlockFetchError.headerMissing(hash)) {
                try await fetcher.block(hash, deadline: Self.deadline(2))
            }
            // The header is submitted (height 21); pruned bitcoind then refuses getblockfrompeer
            // for a block above its tip (20) whatever the peer, so the fetch ends at once
            // instead of asking every peer until the deadline.
            let started = ContinuousClock.now
            await #expect(throws: BlockFetchError.prunedAboveTip(hash, height: 21, tipHeight: 20)) {
                try await fetcher.block(hash, header: header, deadline: Self.deadline(20))
            }
            #expect(ContinuousClock.now - started < .seconds(10))
            #expect(try await node.rpc.getBlockHeaderInfo(hash).height == 21)
            #expect(try await node.rpc.simFetchLog().isEmpty)
            // Core's own answer, had the fetcher asked: RPC_MISC_ERROR (src/rpc/blockchain.cpp).
            do throws(BitcoindRPCError) {
                try await node.rpc.getBlockFromPeer(hash, peerID: 0)
                Issue.record("pruned simnode accepted getblockfrompeer above its tip")
            } catch {
                #expect(error.rpcCode == RPCErrorCode.miscError)
            }
        }
    }

    @Test func unknownBlockIsHeaderMissing() async throws {
        try await PrunedSimnode.start().with { node in
            let hash = BlockHash(try Hash256(internalBytes: [UInt8](repeating: 7, count: 32)))
            let fetcher = PeerBlockFetcher(rpc: node.rpc)
            await #expect(throws: BlockFetchError.headerMissing(hash)) {
                try await fetcher.block(hash, deadline: Self.deadline(2))
            }
        }
    }
}
