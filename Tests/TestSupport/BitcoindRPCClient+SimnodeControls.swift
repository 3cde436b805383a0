import BitcoindRPC
import JSON

/// simnode's test controls (`sim*` RPCs, Sources/Doubles/Simnode/SimnodeNode+Control.swift) as typed
/// calls, for tests that run simnode in-process or as ``SimnodeChild``.
extension BitcoindRPCClient {
    /// RPC calls simnode has executed so far, its own controls not counted (`simrpccount`).
    public func simRPCCount() async throws -> Int {
        try await call("simrpccount")
    }

    /// The getblockfrompeer calls simnode accepted (`simfetchlog`).
    /// - Returns: the peer ids asked, in order.
    public func simFetchLog() async throws -> [Int] {
        struct Entry: Decodable, Sendable { let peer_id: Int }
        let log: [Entry] = try await call("simfetchlog")
        return log.map(\.peer_id)
    }

    /// Replaces simnode's pretend peers (`simsetpeers`).
    /// - Parameter peers: one object a peer (e.g. `["delivers": false]`; `[:]` for the defaults).
    /// - Returns: their ids from getpeerinfo, in order.
    public func simSetPeers(_ peers: [[String: JSONValue]]) async throws -> [Int] {
        let _: Int = try await call("simsetpeers", [.array(peers.map { .object(JSONObject($0)) })])
        struct Peer: Decodable, Sendable { let id: Int }
        let info: [Peer] = try await call("getpeerinfo")
        return info.map(\.id)
    }

    /// Holds simnode in initial block download, or ends it for good (`simsetibd`).
    /// - Returns: getblockchaininfo's `initialblockdownload` afterwards.
    @discardableResult
    public func simSetInitialBlockDownload(_ enabled: Bool) async throws -> Bool {
        struct Answer: Decodable, Sendable { let initialblockdownload: Bool }
        let answer: Answer = try await call("simsetibd", [.bool(enabled)])
        return answer.initialblockdownload
    }

    /// What `simfork` built.
    public struct SimFork: Decodable, Sendable {
        /// Display hashes.
        public let forkpoint: String
        public let tip: String
        public let height: Int
        /// getchaintips' status of the new branch.
        public let status: String
    }

    /// Builds a branch of `blocks` from `depth` below the tip (`simfork`); `headers-only` with
    /// depth 0 puts bitcoind's best header ahead of its blocks.
    /// - Parameter mode: `full`, `headers-only` or `valid-headers`.
    public func simFork(depth: Int, blocks: Int, mode: String) async throws -> SimFork {
        try await call("simfork", [.int(depth), .int(blocks), .string(mode)])
    }
}
