import BitcoinPrimitives

/// What AltLogic asks the local bitcoind: one seam, so the rescue's rules can be driven by a
/// fake chain in unit tests (as LDK's lightning-block-sync tests its poller against a test
/// `Blockchain`). ``BitcoindRPCClient`` implements it over JSON-RPC.
public protocol ChainBackend: Sendable {
    /// bitcoind's active tip, its header and block counts, IBD, and its best known header's work
    /// (`getblockchaininfo`, `getchaintips`, `getblockheader`).
    func chainState() async throws -> ChainState
    /// Verbose header facts for each hash; nil for a hash bitcoind does not know.
    func headerStatus(_ hashes: [BlockHash]) async throws -> [HeaderStatus?]
    /// Active-chain block hashes at `heights`, in order.
    /// - Throws: when a height is above the tip (the chain moved under us).
    func activeHashes(atHeights heights: [Int]) async throws -> [BlockHash]
    /// The raw headers of known blocks, in order.
    func headers(_ hashes: [BlockHash]) async throws -> [BlockHeader]
    /// `getchaintips`: every tip bitcoind knows.
    func chainTips() async throws -> [KnownChainTip]
    /// `submitheader` for each header, in order: nil where accepted, else bitcoind's reason.
    func submitHeaders(_ headers: [BlockHeader]) async throws -> [String?]
    /// `submitblock` for each block, in order: bitcoind's verdict (nil is accepted) or an error.
    func submitBlocks(_ blocks: [[UInt8]]) async throws -> [Result<String?, ChainBackendError>]
}

/// A call to bitcoind that failed, or an answer that makes no sense.
public struct ChainBackendError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// bitcoind's chain as a rescue starts (and as its guards read it).
public struct ChainState: Sendable, Equatable {
    public var tipHash: BlockHash
    public var tipHeight: Int
    /// Cumulative work of the active tip.
    public var tipWork: UInt256
    /// `getblockchaininfo.headers`: the height of the best header bitcoind has validated.
    public var headers: Int
    /// `getblockchaininfo.blocks`: the active chain's height.
    public var blocks: Int
    /// `getblockchaininfo.initialblockdownload`.
    public var initialBlockDownload: Bool
    /// The most work of any chain whose headers bitcoind holds (active or not, blocks or not):
    /// a candidate must beat this, not only the active tip.
    public var bestHeaderWork: UInt256

    public init(tipHash: BlockHash, tipHeight: Int, tipWork: UInt256, headers: Int, blocks: Int,
                initialBlockDownload: Bool, bestHeaderWork: UInt256) {
        self.tipHash = tipHash
        self.tipHeight = tipHeight
        self.tipWork = tipWork
        self.headers = headers
        self.blocks = blocks
        self.initialBlockDownload = initialBlockDownload
        self.bestHeaderWork = bestHeaderWork
    }
}

/// What bitcoind knows of one header (`getblockheader` verbose).
public struct HeaderStatus: Sendable, Equatable {
    public var header: BlockHeader
    public var hash: BlockHash
    public var height: Int
    /// On bitcoind's active chain (`confirmations >= 0`).
    public var onActiveChain: Bool
    public var chainWork: UInt256

    public init(header: BlockHeader, height: Int, onActiveChain: Bool, chainWork: UInt256) {
        self.header = header
        self.hash = header.hash
        self.height = height
        self.onActiveChain = onActiveChain
        self.chainWork = chainWork
    }
}

/// One `getchaintips` entry.
public struct KnownChainTip: Sendable, Equatable {
    public enum Status: Sendable, Equatable {
        case active, validFork, validHeaders, headersOnly, invalid, other
    }

    public var hash: BlockHash
    public var height: Int
    /// Headers between the tip and the active chain (0 for the active tip).
    public var branchLength: Int
    public var status: Status

    public init(hash: BlockHash, height: Int, branchLength: Int, status: Status) {
        self.hash = hash
        self.height = height
        self.branchLength = branchLength
        self.status = status
    }
}
