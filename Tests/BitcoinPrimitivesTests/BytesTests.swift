import Testing
@testable import BitcoinPrimitives

@Suite struct BytesTests {
    @Test func hexRoundTrip() throws {
        let bytes: [UInt8] = [0x00, 0x01, 0xab, 0xff]
        #expect(bytes.hex == "0001abff")
        #expect(try [UInt8](hex: "0001ABff") == bytes)
        #expect(throws: Hex.DecodingError.oddLength(3)) { try [UInt8](hex: "abc") }
        #expect(throws: Hex.DecodingError.invalidCharacter(offset: 1)) { try [UInt8](hex: "0g") }
    }

    @Test func compactSizeCanonical() throws {
        for n: UInt64 in [0, 0xfc, 0xfd, 0xffff, 0x10000, 0xffff_ffff, 0x1_0000_0000, .max] {
            var w = ByteWriter()
            w.writeCompactSize(n)
            var r = ByteReader(w.bytes)
            #expect(try r.readCompactSize() == n)
            #expect(r.isAtEnd)
        }
        var r = ByteReader([0xfd, 0x10, 0x00])  // 16 encoded in 3 bytes: not shortest
        #expect(throws: DecodingError(.nonCanonicalCompactSize, at: 0)) { try r.readCompactSize() }
    }

    @Test func hugeCountFailsBeforeAllocating() throws {
        var w = ByteWriter()
        w.writeCompactSize(1_000_000_000)
        var r = ByteReader(w.bytes)
        #expect(throws: DecodingError.self) { try r.readCount("items", limit: 2000) }
        var r2 = ByteReader(w.bytes)
        // Within the limit but more than the bytes left: refused, not allocated.
        #expect(throws: DecodingError.self) { try r2.readCount("items", limit: .max, minElementSize: 80) }
    }

    @Test func sha256dKnownValue() {
        // sha256d("") = 5df6e0e2761359d30a8275058e299fcc0381534545f55cf43e41983f5d4c9456
        #expect(Hashes.sha256d([UInt8]()).hex == "5df6e0e2761359d30a8275058e299fcc0381534545f55cf43e41983f5d4c9456")
    }
}
