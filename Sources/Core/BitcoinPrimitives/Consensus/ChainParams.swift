/// The networks altnet knows, named as in altnet.conf's `network=` key.
public enum Network: String, CaseIterable, Sendable {
    case main, testnet3, testnet4, signet, regtest
}

/// Consensus and network constants for one network.
///
/// Values are from Bitcoin Core's src/kernel/chainparams.cpp and src/consensus/consensus.h /
/// src/chain.h (v26 to v28); each network's genesis hash is checked in the tests.
public struct ChainParams: Sendable {
    public let network: Network
    /// The 4 message-start ("magic") bytes that open every v1 P2P message, in wire order.
    public let messageStart: [UInt8]
    public let defaultP2PPort: UInt16
    public let defaultRPCPort: UInt16
    public let genesis: BlockHeader
    /// The network's easiest allowed target.
    public let powLimit: UInt256
    /// Seconds between blocks the retarget aims for (600).
    public let powTargetSpacing: Int64
    /// Seconds a retarget period should take (two weeks).
    public let powTargetTimespan: Int64
    /// testnet3, testnet4, regtest: a block more than 2 x spacing after its parent may use powLimit.
    public let allowMinDifficultyBlocks: Bool
    /// regtest: the 2016-block retarget keeps the previous nBits.
    public let noRetargeting: Bool
    /// testnet4 (BIP94): retarget from the period's first nBits; timewarp limit on period starts.
    public let enforceBIP94: Bool
    /// Heights from which versions below 2, 3 and 4 are rejected (BIP34, BIP66, BIP65).
    public let bip34Height: Int
    public let bip66Height: Int
    public let bip65Height: Int
    /// The least cumulative work a chain must have before a node takes it seriously (Core's
    /// `consensus.nMinimumChainWork`, overridden there by `-minimumchainwork`). Values and their
    /// source are beside each network in ChainParams+Networks.swift; zero disables the floor.
    public let minimumChainWork: UInt256

    /// Parameters for any network: the five built in (``main``, ``testnet3``, ``testnet4``,
    /// ``signet``, ``regtest``) are made with it, and so can test chains and custom networks (for
    /// example a chain with a short retarget interval whose difficulty moves within a test). The
    /// `network` value only names the network; every rule reads the other fields.
    ///
    /// - Parameters:
    ///   - network: the name this chain goes by (a custom chain picks the closest, e.g. `.regtest`).
    ///   - messageStart: the 4 v1 message-start bytes, in wire order.
    ///   - defaultP2PPort: the default P2P port.
    ///   - defaultRPCPort: bitcoind's default RPC port.
    ///   - genesis: the genesis header (it is trusted, not checked).
    ///   - powLimit: the easiest allowed target.
    ///   - powTargetSpacing: seconds between blocks the retarget aims for.
    ///   - powTargetTimespan: seconds a retarget period should take; with the spacing it sets the
    ///     retarget interval (timespan / spacing headers).
    ///   - allowMinDifficultyBlocks: testnet's 20-minute min-difficulty rule.
    ///   - noRetargeting: keep nBits at retargets (regtest).
    ///   - enforceBIP94: testnet4's retarget base and timewarp limit.
    ///   - bip34Height: height from which versions below 2 are rejected.
    ///   - bip66Height: height from which versions below 3 are rejected.
    ///   - bip65Height: height from which versions below 4 are rejected.
    ///   - minimumChainWork: the chain-work floor (zero: none).
    public init(
        network: Network, messageStart: [UInt8], defaultP2PPort: UInt16, defaultRPCPort: UInt16,
        genesis: BlockHeader, powLimit: UInt256, powTargetSpacing: Int64, powTargetTimespan: Int64,
        allowMinDifficultyBlocks: Bool, noRetargeting: Bool, enforceBIP94: Bool,
        bip34Height: Int, bip66Height: Int, bip65Height: Int, minimumChainWork: UInt256 = .zero
    ) {
        self.network = network
        self.messageStart = messageStart
        self.defaultP2PPort = defaultP2PPort
        self.defaultRPCPort = defaultRPCPort
        self.genesis = genesis
        self.powLimit = powLimit
        self.powTargetSpacing = powTargetSpacing
        self.powTargetTimespan = powTargetTimespan
        self.allowMinDifficultyBlocks = allowMinDifficultyBlocks
        self.noRetargeting = noRetargeting
        self.enforceBIP94 = enforceBIP94
        self.bip34Height = bip34Height
        self.bip66Height = bip66Height
        self.bip65Height = bip65Height
        self.minimumChainWork = minimumChainWork
    }

    /// Headers per retarget period: timespan / spacing = 2016.
    public var difficultyAdjustmentInterval: Int { Int(powTargetTimespan / powTargetSpacing) }
    /// `powLimit` in compact form, the nBits of a minimum-difficulty block.
    public var powLimitBits: UInt32 { CompactTarget.encode(powLimit) }
    /// The genesis block's hash.
    public var genesisHash: BlockHash { genesis.hash }

    /// A header may be at most this many seconds ahead of the clock (Core's MAX_FUTURE_BLOCK_TIME).
    public static let maxFutureBlockTime: Int64 = 2 * 60 * 60
    /// Median-time-past spans this many blocks (Core's CBlockIndex::nMedianTimeSpan).
    public static let medianTimeSpan = 11
    /// BIP94: the first block of a period may be at most this many seconds before its parent.
    public static let maxTimewarp: Int64 = 600

    /// Parameters for a network.
    public static func forNetwork(_ network: Network) -> ChainParams {
        switch network {
        case .main: return .main
        case .testnet3: return .testnet3
        case .testnet4: return .testnet4
        case .signet: return .signet
        case .regtest: return .regtest
        }
    }
}
