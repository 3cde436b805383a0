import BitcoinPrimitives
import BitcoindRPC
import Foundation

/// Mining and block copying on TestSupport's simnode subprocess, for the two-node tests.
extension SimnodeChild {
    public struct CopyFailure: Error, CustomStringConvertible {
        public let description: String
        public init(description: String) { self.description = description }
    }

    /// Mines `n` blocks paying OP_TRUE (simnode's default).
    @discardableResult
    public func mine(_ n: Int) async throws -> [BlockHash] {
        var hashes: [BlockHash] = []
        var left = n
        while left > 0 {
            let chunk = min(left, 5_000)
            let mined: [String] = try await rpc.call("simgenerate", [.int(chunk)])
            hashes += try mined.map { try BlockHash(displayHex: $0) }
            left -= chunk
        }
        return hashes
    }

    /// Mines `n` blocks paying another script, so they differ from blocks another node mines.
    @discardableResult
    public func mineOwn(_ n: Int) async throws -> [BlockHash] {
        let mined: [String] = try await rpc.call("generatetoaddress", [.int(n), .string(regtestMiningAddress)])
        return try mined.map { try BlockHash(displayHex: $0) }
    }

    /// The best block hash.
    public var tip: BlockHash {
        get async throws { try await rpc.getBestBlockHash() }
    }

    /// The active chain's height.
    public var height: Int {
        get async throws { try await rpc.getBlockchainInfo().blocks }
    }

    /// Copies `from`'s active chain above our tip's height into this node (submitblock).
    public func copyBlocks(from other: SimnodeChild) async throws {
        let mine = try await height
        let theirs = try await other.height
        guard theirs > mine else { return }
        var start = mine + 1
        while start <= theirs {
            let heights = Array(start...min(start + 499, theirs))
            let hashes = try await other.rpc.batch("getblockhash", heights.map { [.int($0)] }, as: String.self).map { try $0.get() }
            let blocks = try await other.rpc.batch("getblock", hashes.map { [.string($0), 0] }, as: String.self).map { try $0.get() }
            let verdicts = try await rpc.batch("submitblock", blocks.map { [.string($0)] }, as: String?.self)
            for verdict in verdicts where (try verdict.get()) != nil {
                throw CopyFailure(description: "copying blocks: submitblock said \(String(describing: try verdict.get()))")
            }
            start += heights.count
        }
    }
}
