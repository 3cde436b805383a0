import BitcoindRPC

/// simnode's test controls (`sim*` RPCs, Sources/Simnode/SimnodeNode+Control.swift) as typed
/// calls, for tests that run simnode in-process or as ``SimnodeChild``.
extension BitcoindRPCClient {
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
    public func simSetPeers(_ peers: [[String: RPCParam]]) async throws -> [Int] {
        let _: Int = try await call("simsetpeers", [.array(peers.map { .object($0) })])
        struct Peer: Decodable, Sendable { let id: Int }
        let info: [Peer] = try await call("getpeerinfo")
        return info.map(\.id)
    }
}
