import BitcoinPrimitives
import BitcoindRPC

/// bitcoind's active chain as far as serving has read it: locator hashes resolved (on the active
/// chain at a height, or not), hashes by height, headers by hash. Everything is forgotten when
/// bitcoind's tip changes (a reorg could move any of it) or when it holds more than
/// `maxEntries`; the tip itself is re-read at most once per `tipTTL`. So a `getheaders` asked
/// again costs bitcoind nothing new until the next block. Lookups run one at a time, so
/// concurrent requests for the same range wait for the first one's fetch instead of repeating it
/// (four at once cost bitcoind four times the 4,000 calls of a range before this).
actor ServingHeaderCache {
    private let turn = ServingGate(width: 1)
    private let bitcoind: BitcoindRPCClient
    private let maxEntries: Int
    private let tipTTL: Duration
    private var tip: (hash: BlockHash, height: Int, readAt: ContinuousClock.Instant)?
    private var generation = 0
    private var heightOf: [BlockHash: Int] = [:]
    private var notActive: Set<BlockHash> = []
    private var hashAt: [Int: BlockHash] = [:]
    private var headerOf: [BlockHash: BlockHeader] = [:]

    init(bitcoind: BitcoindRPCClient, maxEntries: Int, tipTTL: Duration = .seconds(1)) {
        self.bitcoind = bitcoind
        self.maxEntries = maxEntries
        self.tipTTL = tipTTL
    }

    /// The headers a `getheaders` asks for: after the first locator hash on bitcoind's active
    /// chain (genesis when none is), up to 2,000, ending at the stop hash if it comes first.
    /// - Throws: RPC failures.
    func headers(for request: GetHeadersMessage) async throws -> [BlockHeader] {
        await turn.acquire()
        defer { turn.release() }
        return try await lookUp(request)
    }

    private func lookUp(_ request: GetHeadersMessage) async throws -> [BlockHeader] {
        let tipHeight = try await currentTipHeight()
        let locator = Array(request.locator.prefix(P2PLimits.maxLocatorHashes))
        let forkHeight = try await resolve(locator)
        guard forkHeight < tipHeight else { return [] }
        let heights = Array((forkHeight + 1)...min(forkHeight + P2PLimits.maxHeaders, tipHeight))
        var hashes = try await hashes(atHeights: heights)
        if request.hashStop != .zero, let stop = hashes.firstIndex(of: request.hashStop) {
            hashes.removeSubrange((stop + 1)...)
        }
        return try await headers(hashes)
    }

    private func currentTipHeight() async throws -> Int {
        if let tip, ContinuousClock.now - tip.readAt < tipTTL { return tip.height }
        let info = try await bitcoind.getBlockchainInfo()
        if tip?.hash != info.bestBlockHash { forget() }
        tip = (info.bestBlockHash, info.blocks, .now)
        return info.blocks
    }

    private func forget() {
        generation += 1
        heightOf = [:]
        notActive = []
        hashAt = [:]
        headerOf = [:]
    }

    private func trim() {
        if headerOf.count > maxEntries || hashAt.count > maxEntries || heightOf.count > 2 * maxEntries
            || notActive.count > maxEntries { forget() }
    }

    /// The height of the first locator hash on the active chain; bitcoind is asked only about
    /// the hashes before the first one already known.
    private func resolve(_ locator: [BlockHash]) async throws -> Int {
        var unknown: [BlockHash] = []
        var known: Int?
        for hash in locator {
            if let height = heightOf[hash] {
                known = height
                break
            }
            if !notActive.contains(hash) { unknown.append(hash) }
        }
        if !unknown.isEmpty {
            let asked = generation
            let statuses = try await bitcoind.headerStatus(unknown)
            var found: Int?
            for (hash, status) in zip(unknown, statuses) {
                if let status, status.onActiveChain {
                    if asked == generation { heightOf[hash] = status.height }
                    found = found ?? status.height
                } else if asked == generation {
                    notActive.insert(hash)
                }
            }
            trim()
            // The first hash on the active chain, in locator order: an unknown one before the known one wins.
            if let found { return found }
        }
        return known ?? 0
    }

    private func hashes(atHeights heights: [Int]) async throws -> [BlockHash] {
        let missing = heights.filter { hashAt[$0] == nil }
        var fetched: [Int: BlockHash] = [:]
        if !missing.isEmpty {
            let asked = generation
            let hashes = try await bitcoind.activeHashes(atHeights: missing)
            for (height, hash) in zip(missing, hashes) {
                fetched[height] = hash
                if asked == generation {
                    hashAt[height] = hash
                    heightOf[hash] = height
                }
            }
            trim()
        }
        return heights.compactMap { hashAt[$0] ?? fetched[$0] }
    }

    private func headers(_ hashes: [BlockHash]) async throws -> [BlockHeader] {
        let missing = hashes.filter { headerOf[$0] == nil }
        var fetched: [BlockHash: BlockHeader] = [:]
        if !missing.isEmpty {
            let asked = generation
            for (hash, header) in zip(missing, try await bitcoind.headers(missing)) {
                fetched[hash] = header
                if asked == generation { headerOf[hash] = header }
            }
            trim()
        }
        return hashes.compactMap { headerOf[$0] ?? fetched[$0] }
    }
}
