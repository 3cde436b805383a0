import Testing
@testable import BitcoinPrimitives

@Suite struct ProofOfWorkTests {
    @Test func genesisWorkIsCoreValue() throws {
        // chainwork of mainnet genesis per getblockheader: 0x100010001.
        #expect(ProofOfWork.work(bits: 0x1d00_ffff) == UInt256(0x1_0001_0001))
        #expect(ProofOfWork.work(bits: 0x207f_ffff) == UInt256(2))
        #expect(ProofOfWork.work(target: .max) == UInt256(1))
        #expect(ProofOfWork.work(bits: 0x0180_3456) == .zero)  // zero target
        #expect(ProofOfWork.work(bits: 0x0492_3456) == .zero)  // negative
        #expect(ProofOfWork.work(bits: 0xff12_3456) == .zero)  // overflow
    }

    @Test func targetChecks() throws {
        let limit = ChainParams.main.powLimit
        let target = try ProofOfWork.target(bits: 0x1d00_ffff, powLimit: limit)
        #expect(target == UInt256(0xffff) << 208)
        #expect(target < limit)
        #expect(try ProofOfWork.target(bits: 0x1d00_ffff, powLimit: target) == target)
        #expect(throws: ProofOfWork.TargetError.negative) { try ProofOfWork.target(bits: 0x1d80_ffff, powLimit: limit) }
        #expect(throws: ProofOfWork.TargetError.zero) { try ProofOfWork.target(bits: 0x1d00_0000, powLimit: limit) }
        #expect(throws: ProofOfWork.TargetError.overflow) { try ProofOfWork.target(bits: 0x2301_0000, powLimit: limit) }
        #expect(throws: ProofOfWork.TargetError.aboveLimit) { try ProofOfWork.target(bits: 0x1d01_0000, powLimit: limit) }
    }

    @Test func genesisMeetsItsTarget() throws {
        let genesis = ChainParams.main.genesis
        let target = try ProofOfWork.target(bits: genesis.bits, powLimit: ChainParams.main.powLimit)
        #expect(ProofOfWork.meets(genesis.hash, target: target))
        #expect(!ProofOfWork.meets(genesis.hash, target: UInt256(1)))
    }
}
