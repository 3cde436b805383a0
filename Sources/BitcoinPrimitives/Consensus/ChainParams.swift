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
