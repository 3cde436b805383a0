import BitcoinPrimitives

/// Regtest consensus facts simnode follows (Bitcoin Core src/kernel/chainparams.cpp, CRegTestParams).
public enum Regtest {
    /// powLimit 7fffff00...00; every regtest block uses this target (no retargeting).
    public static let bits: UInt32 = 0x207f_ffff
    /// Subsidy halves every 150 blocks on regtest (nSubsidyHalvingInterval).
    public static let halvingInterval = 150
    /// 50 BTC in satoshis.
    public static let initialSubsidy: Int64 = 50 * 100_000_000
    /// Version bits top bits (BIP9), as Core's block assembler sets them.
    public static let blockVersion: Int32 = 0x2000_0000
    /// P2P message start for regtest.
    public static let messageStart: [UInt8] = [0xfa, 0xbf, 0xb5, 0xda]

    /// Work of one block at `bits` 0x207fffff: floor(2^256 / (target + 1)) with
    /// target = 0x7fffff * 2^232, i.e. floor(2^24 / 0x7fffff...) = 2. All regtest blocks weigh the same.
    public static let workPerBlock: UInt64 = 2

    /// The genesis coinbase (the "Times 03/Jan/2009" transaction, shared by all networks).
    static let genesisCoinbaseHex =
        "01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff4d04ffff001d0104"
        + "455468652054696d65732030332f4a616e2f32303039204368616e63656c6c6f72206f6e206272696e6b206f662073"
        + "65636f6e64206261696c6f757420666f722062616e6b73ffffffff0100f2052a01000000434104678afdb0fe554827"
        + "1967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4f35504e51ec112de5c384df7ba0b8d"
        + "578a4c702b6bf11d5fac00000000"

    /// The regtest genesis block: time 1296688602, nonce 2, bits 0x207fffff, version 1; its hash is
    /// 0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206.
    public static func genesis() throws -> SimBlock {
        let coinbase = try SimTransaction(bytes: try Hex.decode(genesisCoinbaseHex))
        let header = BlockHeader(
            version: 1, previousBlockHash: .zero, merkleRoot: coinbase.txid,
            time: 1_296_688_602, bits: bits, nonce: 2)
        return SimBlock(header: header, transactions: [coinbase])
    }

    /// The block subsidy at a height, in satoshis.
    public static func subsidy(height: Int) -> Int64 {
        let halvings = height / halvingInterval
        return halvings >= 64 ? 0 : initialSubsidy >> halvings
    }

    /// bitcoind's GetDifficulty: the ratio of the difficulty-1 target to the block's target.
    public static func difficulty(bits: UInt32) -> Double {
        var shift = Int((bits >> 24) & 0xff)
        var diff = Double(0x0000_ffff) / Double(bits & 0x00ff_ffff)
        while shift < 29 { diff *= 256.0; shift += 1 }
        while shift > 29 { diff /= 256.0; shift -= 1 }
        return diff
    }

    /// True if the hash meets the target encoded in `bits` (compact form).
    static func meetsTarget(_ hash: BlockHash, bits: UInt32) -> Bool {
        let target = targetBytes(exponent: Int(bits >> 24), mantissa: bits & 0x007f_ffff)
        let value = Array(hash.internalBytes.reversed())  // big-endian numeric value
        return value.lexicographicallyPrecedes(target) || value == target
    }
}
