import BitcoinPrimitives
import HeaderChain

/// Builds and mines headers for tests. Targets near the pow limit of 2^255 make mining a
/// header take a handful of hashes.
struct TestMiner {
    /// Easy test networks: the given network's rules with powLimit 0x7fff...ff (nBits 0x207fffff)
    /// and a genesis at `genesisBits`.
    static func params(_ base: ChainParams, genesisBits: UInt32 = 0x201f_ffff) -> ChainParams {
        let easy = ChainParams.regtest.powLimit
        var genesis = BlockHeader(
            version: 1, previousBlockHash: .zero, merkleRoot: .zero, time: 1_700_000_000, bits: genesisBits, nonce: 0)
        mine(&genesis)
        return base.with(powLimit: easy, genesis: genesis)
    }

    /// Increments the nonce until the hash meets the header's own target.
    static func mine(_ header: inout BlockHeader) {
        let target = CompactTarget.decode(header.bits).value
        while !ProofOfWork.meets(header.hash, target: target) { header.nonce &+= 1 }
    }

    /// A mined child of `parent`.
    static func child(
        of parent: BlockHeader, time: UInt32, bits: UInt32, version: Int32 = 0x2000_0000, tag: UInt64 = 0
    ) -> BlockHeader {
        var h = BlockHeader(
            version: version, previousBlockHash: parent.hash,
            merkleRoot: Hash256(words: (tag, 0, 0, 0)), time: time, bits: bits, nonce: 0)
        mine(&h)
        return h
    }

    /// `count` mined headers after `parent`, `spacing` seconds apart, all with `bits`.
    static func run(after parent: BlockHeader, count: Int, spacing: UInt32, bits: UInt32, tag: UInt64 = 0) -> [BlockHeader] {
        var result: [BlockHeader] = []
        var last = parent
        for _ in 0..<count {
            last = child(of: last, time: last.time + spacing, bits: bits, tag: tag)
            result.append(last)
        }
        return result
    }
}

/// A clock far enough ahead for constructed chains.
let farFuture = Int64(UInt32.max)
