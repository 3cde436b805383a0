import Foundation
import Testing
import TestSupport
@testable import BitcoinPrimitives

/// The codec over real mainnet headers from ../shared/data/mainnet (read at test time).
@Suite struct P2PMainnetHeadersTests {
    static func mainnetHeaders() throws -> [BlockHeader] {
        let data = [UInt8](try SharedData.data("data/mainnet/headers-822528-830592.bin"))
        try #require(data.count == 8065 * 80)
        var r = ByteReader(data)
        return try (0..<8065).map { _ in try BlockHeader(from: &r) }
    }

    /// 8,065 real headers as five `headers` messages (2,000 at most each), framed for mainnet and
    /// fed in pseudo-random chunk sizes: they come back identical and still link by hash.
    @Test func realHeadersThroughTheCodec() throws {
        let headers = try Self.mainnetHeaders()
        let batches = stride(from: 0, to: headers.count, by: P2PLimits.maxHeaders).map {
            P2PMessage.headers(Array(headers[$0..<min($0 + P2PLimits.maxHeaders, headers.count)]))
        }
        #expect(batches.count == 5)
        let stream = batches.flatMap { $0.v1Encoded(magic: .main) }
        // Five 24-byte frame headers; counts: 2000 is fd d0 07 (3 bytes) four times, 65 is one byte.
        #expect(stream.count == 5 * 24 + 4 * 3 + 1 + 8065 * (80 + 1))

        var decoder = V1FrameDecoder(magic: .main)
        var seed: UInt64 = 822_528
        var decoded: [BlockHeader] = []
        var i = 0
        while i < stream.count {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let chunk = Int(seed >> 33) % 5000 + 1
            for frame in try decoder.decode(stream[i..<min(i + chunk, stream.count)]) {
                guard case .headers(let batch) = try P2PMessage(frame: frame) else {
                    Issue.record("not a headers message: \(frame.command)"); return
                }
                decoded += batch
            }
            i += chunk
        }
        #expect(decoded == headers)
        for k in 1..<decoded.count {
            #expect(decoded[k].previousBlockHash == decoded[k - 1].hash, "header \(822_528 + k) does not link")
        }
    }

    /// The genesis block assembled in CodecSamples has exactly the real genesis header.
    @Test func genesisHeaderMatchesTheRealOne() throws {
        let rows = try SharedData.rows("data/mainnet/retarget-boundaries.tsv", separator: "\t")
        let genesisRow = try #require(rows.first { $0.first == "0" })
        let real = try BlockHeader(bytes: try [UInt8](hex: genesisRow[1]))
        #expect(try CodecSamples.genesisBlock().header == real)
        #expect(real.hash.displayHex == CodecSamples.genesisHash)
    }
}
