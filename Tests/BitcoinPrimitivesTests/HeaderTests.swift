import Testing
import TestSupport
@testable import BitcoinPrimitives

@Suite struct HeaderTests {
    @Test func roundTripEveryMainnetHeaderInTheFile() throws {
        let data = [UInt8](try SharedData.data("data/mainnet/headers-822528-830592.bin"))
        #expect(data.count == 8065 * 80)
        var previous: BlockHash?
        for i in 0..<8065 {
            let slice = data[(i * 80)..<(i * 80 + 80)]
            let header = try BlockHeader(bytes: slice)
            #expect(header.serialized == Array(slice))
            let fast = try slice.withUnsafeBytes { try BlockHeader(unsafeRawBytes: $0) }
            #expect(fast == header)
            if let previous { #expect(header.previousBlockHash == previous) }
            previous = header.hash
            #expect(header.hash.hash == Hash256.sha256d(of: slice))
        }
    }

    @Test func malformedLengths() throws {
        let genesis = ChainParams.main.genesis.serialized
        for n in 0..<80 {
            #expect(throws: DecodingError.self) { try BlockHeader(bytes: genesis.prefix(n)) }
            let raw = Array(genesis.prefix(n))
            #expect(throws: DecodingError.self) { try raw.withUnsafeBytes { try BlockHeader(unsafeRawBytes: $0) } }
        }
        #expect(throws: DecodingError(.trailingBytes(1), at: 80)) { try BlockHeader(bytes: genesis + [0]) }
    }

    @Test func displayOrderIsReversedInternalOrder() throws {
        let hash = ChainParams.main.genesisHash
        #expect(hash.displayHex == "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f")
        #expect(hash.internalBytes.first == 0x6f)
        #expect(UInt256(hash.hash).bigEndianHex == hash.displayHex)
    }
}
