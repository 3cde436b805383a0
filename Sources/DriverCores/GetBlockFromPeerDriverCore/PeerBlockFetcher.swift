import BitcoinPrimitives
import BitcoindRPC
import Logging

/// Gets a block into bitcoind from one of its own peers (`getblockfrompeer`) and returns its
/// bytes (`getblock` verbosity 0). Concurrent requests for the same block share one fetch.
///
/// For each block: if bitcoind already has it, return it. Otherwise make sure bitcoind knows the
/// header (`submitheader` with the supplied one); a pruned bitcoind cannot fetch a block above its
/// tip (``BlockFetchError/prunedAboveTip(_:height:tipHeight:)``), else ask one eligible peer at a time (see
/// ``PeerSelector``), polling `getblock` with backoff; a peer that errors or does not deliver
/// within ``Configuration/peerTimeout`` is left for the next, until the deadline.
public actor PeerBlockFetcher {
    public struct Configuration: Sendable {
        /// How long one peer gets to deliver before the next is asked.
        public var peerTimeout: Duration = .seconds(5)
        /// First wait between `getblock` polls; doubles up to ``maxPollInterval``.
        public var firstPollInterval: Duration = .milliseconds(20)
        public var maxPollInterval: Duration = .milliseconds(500)
        /// How long to wait before re-reading getpeerinfo when no peer is eligible.
        public var noPeerRetry: Duration = .milliseconds(500)

        public init(peerTimeout: Duration = .seconds(5)) { self.peerTimeout = peerTimeout }
    }

    /// Counters for logs and tests.
    public struct Stats: Sendable, Equatable {
        public var requests = 0
        public var fetches = 0
        public var getBlockFromPeerCalls = 0
        public var peerFailures = 0
        public var delivered = 0
    }

    let rpc: BitcoindRPCClient
    let configuration: Configuration
    let logger: Logger
    var selector = PeerSelector()
    var inFlight: [BlockHash: Task<[UInt8], any Error>] = [:]
    public private(set) var stats = Stats()

    /// - Parameters:
    ///   - rpc: the local bitcoind.
    ///   - configuration: timeouts and polling.
    ///   - logger: where fetch progress goes.
    public init(rpc: BitcoindRPCClient, configuration: Configuration = .init(), logger: Logger = Logger(label: "driver-rpc")) {
        self.rpc = rpc
        self.configuration = configuration
        self.logger = logger
    }

    /// The block's serialized bytes (with witness), fetched from a peer if bitcoind lacks them.
    /// - Parameters:
    ///   - hash: the block.
    ///   - header: its header, submitted to bitcoind if bitcoind does not know it.
    ///   - deadline: when to give up (a concurrent request for the same block shares the first
    ///     request's deadline).
    /// - Returns: the block as `getblock` verbosity 0 returns it.
    /// - Throws: ``BlockFetchError``.
    public func block(_ hash: BlockHash, header: BlockHeader? = nil, deadline: ContinuousClock.Instant) async throws(BlockFetchError) -> [UInt8] {
        stats.requests += 1
        let task: Task<[UInt8], any Error>
        if let existing = inFlight[hash] {
            task = existing
        } else {
            stats.fetches += 1
            task = Task { try await self.fetch(hash, header: header, deadline: deadline) }
            inFlight[hash] = task
        }
        let result = await task.result
        if inFlight[hash] == task { inFlight[hash] = nil }
        switch result {
        case .success(let bytes): return bytes
        case .failure(let error as BlockFetchError): throw error
        case .failure(let error as BitcoindRPCError): throw .bitcoind(error)
        case .failure(let error): throw .bitcoind(BitcoindRPCError(.malformedResponse("\(error)")))
        }
    }

    /// One fetch, run once per block however many callers wait for it.
    func fetch(_ hash: BlockHash, header: BlockHeader?, deadline: ContinuousClock.Instant) async throws -> [UInt8] {
        if let bytes = try await availableBlock(hash) { return bytes }
        var known = try await knownHeader(hash)
        if known == nil, let header, header.hash == hash {
            try await rpc.submitHeader(header)
            known = try await knownHeader(hash)
        }
        guard let headerInfo = known else { throw BlockFetchError.headerMissing(hash) }
        // A header off the active chain has confirmations -1: its height says nothing about depth.
        let blockHeight = headerInfo.confirmations >= 0 ? headerInfo.height : nil
        let started = ContinuousClock.now
        var tried: Set<Int> = []
        var lastFailure: String?
        while ContinuousClock.now < deadline {
            let chainInfo = try await rpc.getBlockchainInfo()
            let tip = chainInfo.blocks
            // Pruned bitcoind answers every peer's getblockfrompeer for a block above its tip
            // with the same refusal: give up now rather than at the deadline.
            if chainInfo.pruned, headerInfo.height > tip {
                throw BlockFetchError.prunedAboveTip(hash, height: headerInfo.height, tipHeight: tip)
            }
            let peers = try await rpc.getPeerInfo()
            var peer = selector.next(from: peers, blockHeight: blockHeight, tipHeight: tip, tried: tried)
            if peer == nil, !tried.isEmpty {
                tried = []  // every peer had its turn: start another round
                peer = selector.next(from: peers, blockHeight: blockHeight, tipHeight: tip, tried: tried)
            }
            guard let peer else {
                if !peers.contains(where: { PeerSelector.isEligible($0, blockHeight: blockHeight, tipHeight: tip) }) {
                    lastFailure = lastFailure ?? BlockFetchError.noEligiblePeer(hash).description
                }
                try await Task.sleep(for: min(configuration.noPeerRetry, deadline - ContinuousClock.now))
                continue
            }
            tried.insert(peer)
            if let bytes = try await ask(peer, for: hash, deadline: deadline, lastFailure: &lastFailure) {
                selector.delivered(peer)
                stats.delivered += 1
                logger.info("block \(hash.displayHex) delivered by peer \(peer) in \(ContinuousClock.now - started), \(tried.count) peer(s) asked")
                return bytes
            }
            selector.failed(peer)
            stats.peerFailures += 1
        }
        if let bytes = try await availableBlock(hash) { return bytes }
        throw BlockFetchError.deadline(hash, peersTried: tried.count, lastFailure: lastFailure)
    }

    /// Asks one peer and polls until the block arrives, the peer's time is up or the deadline.
    /// - Returns: the block, or nil when this peer failed (its failure in `lastFailure`).
    func ask(_ peer: Int, for hash: BlockHash, deadline: ContinuousClock.Instant, lastFailure: inout String?) async throws -> [UInt8]? {
        stats.getBlockFromPeerCalls += 1
        if let error = try await getBlockFromPeer(hash, peer: peer) {
            // "Block already downloaded": it arrived meanwhile; any other documented error
            // ("Peer does not exist", "Already requested from this peer", "Peer not fully
            // connected", "Pre-SegWit peer", ...) means: try the next peer.
            if let bytes = try await availableBlock(hash) { return bytes }
            lastFailure = "peer \(peer): \(error)"
            logger.notice("getblockfrompeer \(hash.displayHex) from peer \(peer) failed: \(error)")
            return nil
        }
        let peerDeadline = min(deadline, ContinuousClock.now + configuration.peerTimeout)
        var polls = Backoff(base: configuration.firstPollInterval, cap: configuration.maxPollInterval)
        while ContinuousClock.now < peerDeadline {
            try await Task.sleep(for: min(polls.next(), peerDeadline - ContinuousClock.now))
            if let bytes = try await availableBlock(hash) { return bytes }
        }
        lastFailure = "peer \(peer) did not deliver within \(configuration.peerTimeout)"
        logger.notice("peer \(peer) did not deliver \(hash.displayHex); trying the next")
        return nil
    }

    /// `getblock hash 0`, or nil when bitcoind has no block data (pruned, not on disk, or only
    /// the header known).
    func availableBlock(_ hash: BlockHash) async throws(BitcoindRPCError) -> [UInt8]? {
        do {
            return try await rpc.getBlockBytes(hash)
        } catch {
            guard error.rpcCode == RPCErrorCode.miscError || error.rpcCode == RPCErrorCode.invalidAddressOrKey else { throw error }
            return nil
        }
    }

    /// `getblockheader`, or nil when bitcoind does not know the header (-5).
    func knownHeader(_ hash: BlockHash) async throws(BitcoindRPCError) -> BlockHeaderInfo? {
        do {
            return try await rpc.getBlockHeaderInfo(hash)
        } catch {
            guard error.rpcCode == RPCErrorCode.invalidAddressOrKey else { throw error }
            return nil
        }
    }

    /// `getblockfrompeer`; bitcoind's refusal (RPC_MISC_ERROR) is returned, other failures thrown.
    func getBlockFromPeer(_ hash: BlockHash, peer: Int) async throws(BitcoindRPCError) -> BitcoindRPCError? {
        do {
            try await rpc.getBlockFromPeer(hash, peerID: peer)
            logger.info("getblockfrompeer \(hash.displayHex) from peer \(peer)")
            return nil
        } catch {
            guard error.rpcCode == RPCErrorCode.miscError else { throw error }
            return error
        }
    }
}
