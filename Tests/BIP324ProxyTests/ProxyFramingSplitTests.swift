import BIP324
import BIP324DriverCore
import BIP324ProxyCore
import BitcoinPrimitives
import Testing

/// The translator's v1 framing takes whole frames where they were read and gathers split ones:
/// every way of cutting the client's stream must give the same messages.
@Suite struct ProxyFramingSplitTests {
    static func frame(_ command: P2PCommand, _ payload: [UInt8], _ magic: NetworkMagic = .regtest) -> [UInt8] {
        P2PFrame(command: command, payload: payload).encoded(magic: magic)
    }

    /// A small frame, a 1 MB block, an empty verack, a 200 kB tx.
    static let stream: [[UInt8]] = [
        frame(.ping, [1, 2, 3, 4, 5, 6, 7, 8]),
        frame(.block, (0..<1_000_000).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 7) }),
        frame(.verack, []),
        frame(.tx, (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 17) }),
    ]

    /// Feeds the stream cut at `cuts` (offsets) over the v1 fallback path, where checked frames
    /// go on unchanged, and returns what the remote would get and the traffic reported.
    static func feed(cuts: [Int]) throws -> (bytes: [UInt8], commands: [String]) {
        let all = stream.flatMap { $0 }
        var translator = ProxyTranslator(v1Magic: .regtest)
        var commands: [String] = []
        var from = 0
        for cut in cuts + [all.count] where cut > from {
            commands += try translator.fromClient(Array(all[from..<cut])).map(\.command)
            from = cut
        }
        return (translator.takeBytesForRemote(), commands)
    }

    @Test func everyCutGivesTheSameFrames() throws {
        let all = Self.stream.flatMap { $0 }
        let expected = ["ping", "block", "verack", "tx"]
        let cutsList: [[Int]] = [
            [],  // all at once
            Array(stride(from: 1 << 16, to: all.count, by: 1 << 16)),  // NIO-sized reads
            Array(stride(from: 1 << 20, to: all.count, by: 1 << 20)),  // 1 MiB reads: the block spans two
            Array(1..<40) + [32 + 24 + 10, 32 + 24 + 1_000_000 - 1, 32 + 24 + 1_000_000 + 23],  // headers byte by byte
            Array(stride(from: 7, to: all.count, by: 99_991)),  // odd sizes
        ]
        for cuts in cutsList {
            let (bytes, commands) = try Self.feed(cuts: cuts)
            #expect(commands == expected)
            #expect(bytes == all)
        }
    }

    @Test func aBadChecksumInASplitFrameDropsOnlyThatFrame() throws {
        var broken = Self.stream
        broken[1][24 + 500_000] ^= 1
        var translator = ProxyTranslator(v1Magic: .regtest)
        let all = broken.flatMap { $0 }
        var commands: [String] = []
        for start in stride(from: 0, to: all.count, by: 300_001) {
            commands += try translator.fromClient(Array(all[start..<min(start + 300_001, all.count)])).map(\.command)
        }
        #expect(commands == ["ping", "verack", "tx"])
        #expect(translator.droppedClientMessages == 1)
    }

    @Test func anOversizedLengthFailsOnItsHeaderAlone() throws {
        var translator = ProxyTranslator(magic: .regtest, remote: try BIP324Transport(role: .initiator, networkMagic: NetworkMagic.regtest.wireBytes))
        let header = NetworkMagic.regtest.wireBytes + P2PCommand.block.wireField + [0x01, 0x09, 0x3D, 0x00, 0, 0, 0, 0]  // 4,000,001
        _ = try translator.fromClient(Array(header[..<10]))
        #expect(throws: ProxyError.self) { try translator.fromClient(Array(header[10...])) }
        // Stopped for good.
        #expect(throws: ProxyError.self) { try translator.fromClient(Self.frame(.ping, [0, 0, 0, 0, 0, 0, 0, 0])) }
    }

    @Test func v2PathCarriesASplitBlockIntact() throws {
        var link = try ProxyTranslatorTests.Link(magic: .regtest)
        try link.pump()
        let all = Self.stream.flatMap { $0 }
        for start in stride(from: 0, to: all.count, by: 65_537) {
            _ = try link.translator.fromClient(Array(all[start..<min(start + 65_537, all.count)]))
        }
        try link.pump()
        #expect(link.atRemote.map(\.command) == ["ping", "block", "verack", "tx"])
        #expect(link.atRemote[1].payload == Array(Self.stream[1][24...]))
        #expect(link.atRemote[3].payload == Array(Self.stream[3][24...]))
    }
}
