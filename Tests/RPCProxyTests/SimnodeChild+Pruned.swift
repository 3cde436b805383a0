import BitcoindRPC
import Foundation
import TestSupport

/// A temporary directory, removed by `cleanup()`.
struct TempDir {
    let path: String
    init() throws {
        path = NSTemporaryDirectory() + "altnet-rpcproxy-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    func cleanup() { try? FileManager.default.removeItem(atPath: path) }
}

/// TestSupport's simnode subprocess as the proxy tests use it: 20 blocks, data below height 10 pruned.
extension SimnodeChild {
    /// Starts simnode (no ZMQ, 8 RPC connections) in a temporary directory, then generates 20
    /// blocks and prunes below 10.
    static func startPruned() async throws -> SimnodeChild {
        var options = Options()
        options.zmq = false
        options.rpcMaxConnections = 8
        let child = try await start(temporary: "rpcproxy", options)
        do {
            let _: [String] = try await child.rpc.call("simgenerate", [20])
            let _: Int = try await child.rpc.call("simprune", [10])
        } catch {
            await child.stop()
            throw error
        }
        return child
    }

    /// simnode's cookie as a Basic Authorization header, for calling it directly.
    func authorization() throws -> String {
        RawHTTP.basic(try String(contentsOfFile: cookiePath, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// The getblockfrompeer calls simnode accepted: peer ids in order.
    func fetchLog() async throws -> [Int] {
        struct Entry: Decodable, Sendable { let peer_id: Int }
        let log: [Entry] = try await rpc.call("simfetchlog")
        return log.map(\.peer_id)
    }

    /// Replaces simnode's peers; returns their ids.
    func setPeers(_ peers: [[String: RPCParam]]) async throws -> [Int] {
        let _: Int = try await rpc.call("simsetpeers", [.array(peers.map { .object($0) })])
        struct P: Decodable, Sendable { let id: Int }
        let info: [P] = try await rpc.call("getpeerinfo")
        return info.map(\.id)
    }
}
