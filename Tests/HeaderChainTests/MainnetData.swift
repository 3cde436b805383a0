import BitcoinPrimitives
import HeaderChain
import Testing
import TestSupport

/// The real mainnet headers 822528 ... 830592 and their chain work, from ../shared/data/mainnet.
struct MainnetData {
    static let firstHeight = 822_528
    let headers: [BlockHeader]
    let chainWork: [Int: UInt256]

    init() throws {
        let bytes = [UInt8](try SharedData.data("data/mainnet/headers-822528-830592.bin"))
        try #require(bytes.count == 8065 * 80)
        var headers: [BlockHeader] = []
        for i in 0..<8065 { headers.append(try BlockHeader(bytes: bytes[(i * 80)..<(i * 80 + 80)])) }
        self.headers = headers
        var work: [Int: UInt256] = [:]
        for row in try SharedData.rows("data/mainnet/chainwork.tsv", separator: "\t") {
            work[try #require(Int(row[0]))] = try UInt256(bigEndianHex: row[1])
        }
        chainWork = work
    }

    func header(at height: Int) -> BlockHeader { headers[height - Self.firstHeight] }

    /// A chain anchored at 822528 with its chain work from chainwork.tsv.
    func anchoredChain(limits: HeaderChain.Limits = .init()) throws -> HeaderChain {
        let work = try #require(chainWork[Self.firstHeight])
        let anchor = try ChainAnchor(header: headers[0], height: Self.firstHeight, chainWork: work)
        return HeaderChain(params: .main, anchor: anchor, limits: limits)
    }

    /// A clock just after the last header.
    var now: Int64 { Int64(headers[headers.count - 1].time) + 3600 }

    static func staleHeaders() throws -> [(height: Int, header: BlockHeader)] {
        try SharedData.rows("data/mainnet/stale-headers.tsv", separator: "\t").map { row in
            (try #require(Int(row[0])), try BlockHeader(bytes: try [UInt8](hex: row[1])))
        }
    }
}
