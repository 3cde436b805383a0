/// The five networks' parameters. Source: Bitcoin Core src/kernel/chainparams.cpp.
///
/// Minimum chain work (`consensus.nMinimumChainWork`) is Bitcoin Core 30.x's: src/kernel/chainparams.cpp
/// read at commit 284c42a3, which carries the pre-30.0 chainparams update (main's assumed-valid
/// block 912683, testnet3's 4550000, testnet4's 91000, the default signet's 267665). Regtest, and
/// a signet with its own challenge, have none. Core raises these before each major release;
/// a newer value only makes the floor stricter.
extension ChainParams {
    /// Merkle root of the genesis coinbase shared by main, testnet3, signet and regtest
    /// ("The Times 03/Jan/2009 Chancellor on brink of second bailout for banks").
    private static let satoshiMerkleRoot = literalHash("4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b")
    /// 0x00000000ffff...ff: main, testnet3 and testnet4.
    private static let mainPowLimit = literalUInt256("00000000ffffffffffffffffffffffffffffffffffffffffffffffffffffffff")

    private static func genesis(merkle: Hash256, time: UInt32, bits: UInt32, nonce: UInt32) -> BlockHeader {
        BlockHeader(version: 1, previousBlockHash: .zero, merkleRoot: merkle, time: time, bits: bits, nonce: nonce)
    }

    /// Mainnet. Genesis 000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f.
    public static let main = ChainParams(
        network: .main, messageStart: [0xf9, 0xbe, 0xb4, 0xd9], defaultP2PPort: 8333, defaultRPCPort: 8332,
        genesis: genesis(merkle: satoshiMerkleRoot, time: 1_231_006_505, bits: 0x1d00_ffff, nonce: 2_083_236_893),
        powLimit: mainPowLimit, powTargetSpacing: 600, powTargetTimespan: 14 * 24 * 60 * 60,
        allowMinDifficultyBlocks: false, noRetargeting: false, enforceBIP94: false,
        bip34Height: 227_931, bip66Height: 363_725, bip65Height: 388_381,
        minimumChainWork: literalUInt256("0000000000000000000000000000000000000000dee8e2a309ad8a9820433c68"))

    /// testnet3. Genesis 000000000933ea01ad0ee984209779baaec3ced90fa3f408719526f8d77f4943.
    public static let testnet3 = ChainParams(
        network: .testnet3, messageStart: [0x0b, 0x11, 0x09, 0x07], defaultP2PPort: 18333, defaultRPCPort: 18332,
        genesis: genesis(merkle: satoshiMerkleRoot, time: 1_296_688_602, bits: 0x1d00_ffff, nonce: 414_098_458),
        powLimit: mainPowLimit, powTargetSpacing: 600, powTargetTimespan: 14 * 24 * 60 * 60,
        allowMinDifficultyBlocks: true, noRetargeting: false, enforceBIP94: false,
        bip34Height: 21_111, bip66Height: 330_776, bip65Height: 581_885,
        minimumChainWork: literalUInt256("0000000000000000000000000000000000000000000016dd270dd94fac1d7632"))

    /// testnet4 (BIP94). Genesis 00000000da84f2bafbbc53dee25a72ae507ff4914b867c565be350b0da8bf043.
    public static let testnet4 = ChainParams(
        network: .testnet4, messageStart: [0x1c, 0x16, 0x3f, 0x28], defaultP2PPort: 48333, defaultRPCPort: 48332,
        genesis: genesis(
            merkle: literalHash("7aa0a7ae1e223414cb807e40cd57e667b718e42aaf9306db9102fe28912b7b4e"),
            time: 1_714_777_860, bits: 0x1d00_ffff, nonce: 393_743_547),
        powLimit: mainPowLimit, powTargetSpacing: 600, powTargetTimespan: 14 * 24 * 60 * 60,
        allowMinDifficultyBlocks: true, noRetargeting: false, enforceBIP94: true,
        bip34Height: 1, bip66Height: 1, bip65Height: 1,
        minimumChainWork: literalUInt256("00000000000000000000000000000000000000000000034a4690fe592dc49c7c"))

    /// The default signet. Genesis 00000008819873e925422c1ff0f99f7cc9bbb232af63a077a480a3633bee1ef6.
    public static let signet = ChainParams(
        network: .signet, messageStart: [0x0a, 0x03, 0xcf, 0x40], defaultP2PPort: 38333, defaultRPCPort: 38332,
        genesis: genesis(merkle: satoshiMerkleRoot, time: 1_598_918_400, bits: 0x1e03_77ae, nonce: 52_613_770),
        powLimit: literalUInt256("00000377ae000000000000000000000000000000000000000000000000000000"),
        powTargetSpacing: 600, powTargetTimespan: 14 * 24 * 60 * 60,
        allowMinDifficultyBlocks: false, noRetargeting: false, enforceBIP94: false,
        bip34Height: 1, bip66Height: 1, bip65Height: 1,
        minimumChainWork: literalUInt256("0000000000000000000000000000000000000000000000000000067d328e681a"))

    /// regtest. Genesis 0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206.
    public static let regtest = ChainParams(
        network: .regtest, messageStart: [0xfa, 0xbf, 0xb5, 0xda], defaultP2PPort: 18444, defaultRPCPort: 18443,
        genesis: genesis(merkle: satoshiMerkleRoot, time: 1_296_688_602, bits: 0x207f_ffff, nonce: 2),
        powLimit: literalUInt256("7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"),
        powTargetSpacing: 600, powTargetTimespan: 14 * 24 * 60 * 60,
        allowMinDifficultyBlocks: true, noRetargeting: true, enforceBIP94: false,
        bip34Height: 1, bip66Height: 1, bip65Height: 1,
        minimumChainWork: .zero)

    /// A display-order hash constant. A typo would give zero, which the genesis-hash tests catch.
    private static func literalHash(_ displayHex: String) -> Hash256 {
        (try? Hash256(displayHex: displayHex)) ?? .zero
    }

    /// A big-endian 256-bit constant. A typo would give zero, which the tests catch.
    private static func literalUInt256(_ hex: String) -> UInt256 {
        (try? UInt256(bigEndianHex: hex)) ?? .zero
    }
}

extension ChainParams {
    /// A copy with different consensus flags, for tests and custom networks (e.g. a signet-like
    /// chain with its own pow limit, or an operator's `minchainwork`, as Core's
    /// `-minimumchainwork`).
    public func with(
        powLimit: UInt256? = nil, allowMinDifficultyBlocks: Bool? = nil, noRetargeting: Bool? = nil,
        enforceBIP94: Bool? = nil, genesis: BlockHeader? = nil, minimumChainWork: UInt256? = nil
    ) -> ChainParams {
        ChainParams(
            network: network, messageStart: messageStart, defaultP2PPort: defaultP2PPort,
            defaultRPCPort: defaultRPCPort, genesis: genesis ?? self.genesis, powLimit: powLimit ?? self.powLimit,
            powTargetSpacing: powTargetSpacing, powTargetTimespan: powTargetTimespan,
            allowMinDifficultyBlocks: allowMinDifficultyBlocks ?? self.allowMinDifficultyBlocks,
            noRetargeting: noRetargeting ?? self.noRetargeting, enforceBIP94: enforceBIP94 ?? self.enforceBIP94,
            bip34Height: bip34Height, bip66Height: bip66Height, bip65Height: bip65Height,
            minimumChainWork: minimumChainWork ?? self.minimumChainWork)
    }
}
