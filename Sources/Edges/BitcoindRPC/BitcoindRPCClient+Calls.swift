import BitcoinPrimitives

/// The typed calls altnet uses. Each throws ``BitcoindRPCError``.
extension BitcoindRPCClient {
    public func getBlockchainInfo() async throws(BitcoindRPCError) -> BlockchainInfo {
        try await call("getblockchaininfo")
    }

    public func getBestBlockHash() async throws(BitcoindRPCError) -> BlockHash {
        BlockHash(try await call("getbestblockhash", as: DisplayHash.self).hash)
    }

    /// - Parameter height: a height on the active chain.
    public func getBlockHash(height: Int) async throws(BitcoindRPCError) -> BlockHash {
        BlockHash(try await call("getblockhash", [.int(height)], as: DisplayHash.self).hash)
    }

    /// getblockheader verbose: the header with height, confirmations and chain work.
    public func getBlockHeaderInfo(_ hash: BlockHash) async throws(BitcoindRPCError) -> BlockHeaderInfo {
        try await call("getblockheader", [.hash(hash), true])
    }

    /// getblockheader with verbose=false: the 80 header bytes, parsed.
    public func getBlockHeader(_ hash: BlockHash) async throws(BitcoindRPCError) -> BlockHeader {
        let hex = try await call("getblockheader", [.hash(hash), false], as: HexBytes.self)
        do {
            return try BlockHeader(bytes: hex.bytes)
        } catch {
            throw BitcoindRPCError(.malformedResponse("getblockheader returned \(hex.bytes.count) bytes: \(error)"), method: "getblockheader")
        }
    }

    /// getblock verbosity 0: the serialised block.
    public func getBlockBytes(_ hash: BlockHash) async throws(BitcoindRPCError) -> [UInt8] {
        try await call("getblock", [.hash(hash), 0], as: HexBytes.self).bytes
    }

    /// getblock verbosity 1: header fields and txids.
    public func getBlockInfo(_ hash: BlockHash) async throws(BitcoindRPCError) -> BlockInfo {
        try await call("getblock", [.hash(hash), 1])
    }

    public func getChainTips() async throws(BitcoindRPCError) -> [ChainTip] {
        try await call("getchaintips")
    }

    public func getPeerInfo() async throws(BitcoindRPCError) -> [BitcoindPeerInfo] {
        try await call("getpeerinfo")
    }

    public func getNetworkInfo() async throws(BitcoindRPCError) -> NetworkInfo {
        try await call("getnetworkinfo")
    }

    /// bitcoind's ZMQ publishers (src/zmq/zmqrpc.cpp); empty when it publishes none.
    public func getZMQNotifications() async throws(BitcoindRPCError) -> [ZMQNotificationInfo] {
        try await call("getzmqnotifications")
    }

    /// Hands bitcoind a header (it must connect to a known one).
    public func submitHeader(_ header: BlockHeader) async throws(BitcoindRPCError) {
        try await callIgnoringResult("submitheader", [.hex(header.serialized)])
    }

    /// Hands bitcoind a block.
    /// - Returns: nil when accepted, else bitcoind's BIP22 reason ("duplicate", "inconclusive",
    ///   "high-hash", ...).
    public func submitBlock(_ block: [UInt8]) async throws(BitcoindRPCError) -> String? {
        try await call("submitblock", [.hex(block)], as: NullableString.self).value
    }

    /// Asks bitcoind to fetch a block (whose header it has) from a peer.
    public func getBlockFromPeer(_ hash: BlockHash, peerID: Int) async throws(BitcoindRPCError) {
        try await callIgnoringResult("getblockfrompeer", [.hash(hash), .int(peerID)])
    }

    /// Broadcasts a raw transaction.
    /// - Returns: its txid.
    public func sendRawTransaction(_ tx: [UInt8]) async throws(BitcoindRPCError) -> Hash256 {
        try await call("sendrawtransaction", [.hex(tx)], as: DisplayHash.self).hash
    }

    /// The txids in the mempool.
    public func getRawMempool() async throws(BitcoindRPCError) -> [Hash256] {
        try await call("getrawmempool", [false], as: [DisplayHash].self).map(\.hash)
    }

    public func getMempoolEntry(_ txid: Hash256) async throws(BitcoindRPCError) -> MempoolEntryInfo {
        try await call("getmempoolentry", [.hash(txid)])
    }

    /// Seconds since bitcoind started.
    public func uptime() async throws(BitcoindRPCError) -> Int {
        try await call("uptime")
    }
}
