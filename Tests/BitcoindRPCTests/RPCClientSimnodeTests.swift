import BitcoinPrimitives
import BitcoindRPC
import Foundation
import JSON
import Simnode
import TestSupport
import Testing

/// Every typed BitcoindRPC call against an in-process simnode over real HTTP on 127.0.0.1.
@Suite struct RPCClientSimnodeTests {
    func withSimnode(_ body: (SimnodeServer, BitcoindRPCClient) async throws -> Void) async throws {
        try await InProcessSimnode.with { node in try await body(node.server, node.rpc) }
    }

    @Test func blockchainCalls() async throws {
        try await withSimnode { server, rpc in
            let info0 = try await rpc.getBlockchainInfo()
            #expect(info0.chain == "regtest")
            #expect(info0.blocks == 0)
            #expect(info0.initialBlockDownload)
            let hashes: [String] = try await rpc.call("generatetoaddress", [5, .string(regtestMiningAddress)])
            #expect(hashes.count == 5)
            let info = try await rpc.getBlockchainInfo()
            #expect(info.blocks == 5 && info.headers == 5)
            #expect(!info.initialBlockDownload)
            let best = try await rpc.getBestBlockHash()
            #expect(best.displayHex == hashes[4])
            #expect(try await rpc.getBlockHash(height: 5) == best)
            await #expect(throws: BitcoindRPCError.self) { try await rpc.getBlockHash(height: 6) }

            let headerInfo = try await rpc.getBlockHeaderInfo(best)
            #expect(headerInfo.height == 5 && headerInfo.confirmations == 1)
            #expect(headerInfo.bits == 0x207f_ffff)
            #expect(headerInfo.nextBlockHash == nil)
            #expect(headerInfo.previousBlockHash?.displayHex == hashes[3])
            let header = try await rpc.getBlockHeader(best)
            #expect(header.hash == best)
            #expect(headerInfo.header == header)

            let raw = try await rpc.getBlockBytes(best)
            #expect(try BlockHeader(bytes: raw.prefix(80)).hash == best)
            let block = try await rpc.getBlockInfo(best)
            #expect(block.txids.count == 1)
            #expect(block.size == raw.count)
            #expect(block.header.hash == best)

            let tips = try await rpc.getChainTips()
            #expect(tips.count == 1 && tips[0].status == .active && tips[0].hash == best)
        }
    }

    @Test func forkShowsInChainTips() async throws {
        try await withSimnode { server, rpc in
            _ = try await rpc.call("simgenerate", [3], as: [String].self)
            struct Fork: Decodable { let tip: String; let status: String }
            let fork: Fork = try await rpc.call("simfork", [1, 3, "headers-only"])
            #expect(fork.status == "headers-only")
            let tips = try await rpc.getChainTips()
            let branch = try #require(tips.first { $0.status == .headersOnly })
            #expect(branch.height == 5 && branch.branchLength == 3)
            #expect(try await rpc.getBlockchainInfo().headers == 5)
            #expect(try await rpc.getBlockHeaderInfo(branch.hash).confirmations == -1)
            // getblock on a header without data is an error, as in bitcoind.
            await #expect(throws: BitcoindRPCError.self) { try await rpc.getBlockBytes(branch.hash) }
            // Ask a peer for the branch tip: its parents are missing too, so the tip stays.
            let peers = try await rpc.getPeerInfo()
            try await rpc.getBlockFromPeer(branch.hash, peerID: peers[0].id)
            do throws(BitcoindRPCError) {
                try await rpc.getBlockFromPeer(branch.hash, peerID: 9999)
                Issue.record("unknown peer accepted")
            } catch {
                #expect(error.rpcCode == RPCErrorCode.miscError)
                #expect(error.kind == .persistent)
            }
            struct Activated: Decodable { let height: Int }
            let act: Activated = try await rpc.call("simactivate", [.string(branch.hash.displayHex)])
            #expect(act.height == 5)
            #expect(try await rpc.getBestBlockHash() == branch.hash)
        }
    }

    @Test func networkCalls() async throws {
        try await withSimnode { server, rpc in
            let peers = try await rpc.getPeerInfo()
            #expect(peers.filter(\.isOutboundFullRelay).count == 8)
            #expect(Set(peers.compactMap(\.transportProtocolType)) == ["v1", "v2"])
            let net = try await rpc.getNetworkInfo()
            #expect(net.subversion.contains("simnode"))
            #expect(net.version >= 260000)
            #expect(net.connections == peers.count)
            let dropped: Int = try await rpc.call("simdroppeers", ["outbound-full-relay"])
            #expect(dropped == 8)
            #expect(try await rpc.getPeerInfo().allSatisfy { !$0.isOutboundFullRelay })
            // Replace the peers with two v1 peers in one /16: the shape of an eclipse.
            let eclipse: [JSONValue] = (1...2).map { i in
                .object([
                    "addr": .string("203.0.113.\(i):18444"), "transport_protocol_type": "v1",
                    "connection_type": "outbound-full-relay",
                ])
            }
            let count: Int = try await rpc.call("simsetpeers", [.array(eclipse)])
            #expect(count == 2)
            let after = try await rpc.getPeerInfo()
            #expect(after.map(\.addr) == ["203.0.113.1:18444", "203.0.113.2:18444"])
            #expect(after.allSatisfy { $0.transportProtocolType == "v1" && $0.isOutboundFullRelay })
            let none: Int = try await rpc.call("simsetpeers", [.array([])])
            #expect(none == 0)
            #expect(try await rpc.getPeerInfo().isEmpty)
        }
    }

    @Test func mempoolAndSubmissionCalls() async throws {
        let started = Date()
        try await withSimnode { server, rpc in
            // A minimal non-witness transaction: one input, one OP_TRUE output.
            let tx = try [UInt8](hex:
                "0200000001" + String(repeating: "11", count: 32) + "00000000" + "00" + "ffffffff"
                + "01" + "00e1f50500000000" + "0151" + "00000000")
            let txid = try await rpc.sendRawTransaction(tx)
            #expect(txid == Hash256.sha256d(of: tx))
            #expect(try await rpc.getRawMempool() == [txid])
            let entry = try await rpc.getMempoolEntry(txid)
            #expect(entry.vsize == tx.count)
            do throws(BitcoindRPCError) {
                _ = try await rpc.getMempoolEntry(Hash256.sha256d(of: [1]))
                Issue.record("unknown tx found")
            } catch {
                #expect(error.rpcCode == RPCErrorCode.invalidAddressOrKey)
            }
            do throws(BitcoindRPCError) {
                _ = try await rpc.sendRawTransaction([0x00])
                Issue.record("garbage accepted")
            } catch {
                #expect(error.rpcCode == RPCErrorCode.deserializationError)
            }
            // Mining takes the mempool.
            _ = try await rpc.call("simgenerate", [1], as: [String].self)
            #expect(try await rpc.getRawMempool().isEmpty)
            let tip = try await rpc.getBlockInfo(try await rpc.getBestBlockHash())
            #expect(tip.txids.contains(txid))

            // submitheader then submitblock of a block built elsewhere (here: by simnode's
            // miner on the current tip).
            let parent = try await rpc.getBlockHeaderInfo(try await rpc.getBestBlockHash())
            let block = try Miner.mine(
                parent: parent.hash, height: parent.height + 1, time: parent.time + 1, scriptPubKey: [0x51])
            try await rpc.submitHeader(block.header)
            #expect(try await rpc.getBlockchainInfo().headers == parent.height + 1)
            #expect(try await rpc.submitBlock(block.serialized) == nil)
            #expect(try await rpc.submitBlock(block.serialized) == "duplicate")
            #expect(try await rpc.getBestBlockHash() == block.hash)
            let uptime = try await rpc.uptime()
            #expect(plausibleUptimes(since: started).contains(uptime), "uptime \(uptime)")
        }
    }

    @Test func batchReturnsPerCallResults() async throws {
        try await withSimnode { server, rpc in
            _ = try await rpc.call("simgenerate", [2], as: [String].self)
            let results = try await rpc.batch("getblockhash", [[0], [1], [2], [3]], as: String.self)
            #expect(results.count == 4)
            #expect((try? results[0].get()) == "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206")
            #expect((try? results[2].get()) != nil)
            guard case .failure(let e) = results[3] else {
                Issue.record("height 3 should fail")
                return
            }
            #expect(e.rpcCode == RPCErrorCode.invalidParameter)
        }
    }

    @Test func errorKindsFromBitcoindCodes() async throws {
        try await withSimnode { server, rpc in
            do throws(BitcoindRPCError) {
                let _: Int = try await rpc.call("nosuchmethod")
                Issue.record("no error")
            } catch {
                #expect(error.rpcCode == RPCErrorCode.methodNotFound)
                #expect(error.kind == .persistent)
            }
            try await rpc.callIgnoringResult("simsetwarmup", [true])
            do throws(BitcoindRPCError) {
                _ = try await rpc.getBlockchainInfo()
                Issue.record("no error")
            } catch {
                #expect(error.rpcCode == RPCErrorCode.inWarmup)
                #expect(error.kind == .transient)
            }
            try await rpc.callIgnoringResult("simsetwarmup", [false])
            do throws(BitcoindRPCError) {
                _ = try await rpc.getBlockHeaderInfo(BlockHash(Hash256.sha256d(of: [9])))
                Issue.record("no error")
            } catch {
                #expect(error.rpcCode == RPCErrorCode.invalidAddressOrKey)
                #expect(error.kind == .persistent)
            }
        }
    }

    @Test func wrongPasswordIsUnauthorized() async throws {
        try await InProcessSimnode.with { node in
            let rpc = BitcoindRPCClient(.init(port: node.server.rpcPort, credentials: .userPassword(user: "u", password: "p")))
            do throws(BitcoindRPCError) {
                _ = try await rpc.getBlockchainInfo()
                Issue.record("no error")
            } catch {
                #expect(error.reason == .unauthorized)
                #expect(error.kind == .persistent)
            }
            await rpc.close()
        }
    }
}

/// simnode's controls that tests of the watchdog lean on.
@Suite struct SimnodeControlTests {
    @Test func intervalMiningStartsAndStops() async throws {
        try await InProcessSimnode.with { node in
            let rpc = node.rpc
            try await rpc.callIgnoringResult("simsetmining", [true, .double(0.1)])
            var height = 0
            for _ in 0..<100 where height < 3 {
                try await Task.sleep(for: .milliseconds(50))
                height = try await rpc.getBlockchainInfo().blocks
            }
            try await rpc.callIgnoringResult("simsetmining", [false])
            height = try await rpc.getBlockchainInfo().blocks
            #expect(height >= 3, "interval mining at 0.1 s made \(height) blocks in 5 s")
            try await Task.sleep(for: .milliseconds(400))
            #expect(try await rpc.getBlockchainInfo().blocks == height)
        }
    }

    @Test func getBlockFromPeerDeliversAWithheldBlock() async throws {
        try await InProcessSimnode.with { node in
            let rpc = node.rpc
            _ = try await rpc.call("simgenerate", [2], as: [String].self)
            // One headers-only block on the tip: more work, but no data yet.
            struct Fork: Decodable { let tip: String }
            let fork: Fork = try await rpc.call("simfork", [0, 1, "headers-only"])
            let hash = try BlockHash(displayHex: fork.tip)
            #expect(try await rpc.getBlockchainInfo().blocks == 2)
            try await rpc.getBlockFromPeer(hash, peerID: try await rpc.getPeerInfo()[0].id)
            var best = try await rpc.getBestBlockHash()
            for _ in 0..<100 where best != hash {
                try await Task.sleep(for: .milliseconds(50))
                best = try await rpc.getBestBlockHash()
            }
            #expect(best == hash)
            do throws(BitcoindRPCError) {
                try await rpc.getBlockFromPeer(hash, peerID: 0)
                Issue.record("second fetch accepted")
            } catch {
                #expect(error.reason == .rpc(code: -1, message: "Block already downloaded"))
            }
        }
    }

    @Test func validHeadersBranchAndInvalidate() async throws {
        let node = try SimnodeNode(publisher: nil)
        _ = try await node.call("simgenerate", params: .array([.int(3)]))
        let fork = try await node.call("simfork", params: .array([.int(2), .int(4), .string("valid-headers")]))
        #expect(fork["status"] == .string("valid-headers"))
        #expect(await node.tip.height == 3)
        guard case .string(let tip)? = fork["tip"] else { Issue.record("no tip"); return }
        _ = try await node.call("simactivate", params: .array([.string(tip)]))
        #expect(await node.tip.height == 5)
        _ = try await node.call("invalidateblock", params: .array([.string(tip)]))
        #expect(await node.tip.height == 4)
        let tips = try await node.call("getchaintips", params: .null)
        guard case .array(let list) = tips else { Issue.record("no tips"); return }
        #expect(list.contains { $0["status"] == .string("invalid") })
    }
}

/// Pruned mode: getblock refuses pruned blocks as bitcoind does, getblockfrompeer brings one back.
@Suite struct SimnodePruneTests {
    @Test func prunedBlocksAndRefetch() async throws {
        try await InProcessSimnode.with { node in
            let rpc = node.rpc
            _ = try await rpc.call("simgenerate", [6], as: [String].self)
            let pruneHeight: Int = try await rpc.call("simprune", [4])
            #expect(pruneHeight == 4)
            let info = try await rpc.getBlockchainInfo()
            #expect(info.pruned && info.pruneHeight == 4)
            let old = try await rpc.getBlockHash(height: 2)
            do throws(BitcoindRPCError) {
                _ = try await rpc.getBlockBytes(old)
                Issue.record("pruned block served")
            } catch {
                #expect(error.reason == .rpc(code: -1, message: "Block not available (pruned data)"))
            }
            #expect(try await rpc.getBlockHeaderInfo(old).height == 2)
            try await rpc.getBlockFromPeer(old, peerID: 0)
            var bytes: [UInt8]?
            for _ in 0..<100 where bytes == nil {
                try await Task.sleep(for: .milliseconds(50))
                bytes = try? await rpc.getBlockBytes(old)
            }
            #expect(bytes.map { Hashes.sha256d(Array($0.prefix(80))) } == old.internalBytes)
        }
    }
}

/// Many concurrent calls share a few keep-alive connections.
@Suite struct RPCConcurrencyTests {
    @Test func manyConcurrentCallsOverFewConnections() async throws {
        try await InProcessSimnode.with { node in
            var config = BitcoindRPCClient.Configuration(port: node.server.rpcPort, credentials: .cookieFile(node.cookiePath))
            config.maxConnections = 3
            let rpc = BitcoindRPCClient(config)
            _ = try await rpc.call("simgenerate", [5], as: [String].self)
            let start = ContinuousClock.now
            let heights = try await withThrowingTaskGroup(of: Int.self) { group in
                for i in 0..<200 { group.addTask { try await rpc.getBlockHeaderInfo(try await rpc.getBlockHash(height: i % 6)).height } }
                var all: [Int] = []
                for try await h in group { all.append(h) }
                return all
            }
            let elapsed = ContinuousClock.now - start
            print("400 RPC calls (200 getblockhash + 200 getblockheader) over 3 keep-alive connections: \(elapsed)")
            #expect(heights.sorted() == (0..<200).map { $0 % 6 }.sorted())
            await rpc.close()
        }
    }
}
