import BIP324
import BIP324DriverCore
import BIP324ProxyCore
import BitcoinPrimitives
import Testing

/// v1 frames <-> BIP324 packets, in memory against our own BIP324 responder.
@Suite struct ProxyTranslatorTests {
    /// The translator with a v1 client on one side and a v2 responder on the other.
    struct Link {
        var translator: ProxyTranslator
        var remote: BIP324Transport
        var clientDecoder: V1FrameDecoder
        var atRemote: [BIP324Message] = []
        var atClient: [P2PFrame] = []
        var remoteHandshakes = 0

        init(magic: NetworkMagic) throws {
            translator = ProxyTranslator(magic: magic, remote: try BIP324Transport(role: .initiator, networkMagic: magic.wireBytes))
            remote = try BIP324Transport(role: .responder, networkMagic: magic.wireBytes)
            clientDecoder = V1FrameDecoder(magic: magic)
        }

        /// Moves bytes until nothing moves.
        mutating func pump() throws {
            while true {
                var moved = false
                let toRemote = translator.takeBytesForRemote()
                if !toRemote.isEmpty {
                    moved = true
                    for event in try remote.receive(toRemote) {
                        if case .message(let m) = event { atRemote.append(m) }
                        if case .handshakeComplete = event { remoteHandshakes += 1 }
                    }
                }
                let toProxy = remote.takeBytesToSend()
                if !toProxy.isEmpty {
                    moved = true
                    _ = try translator.fromRemote(toProxy)
                }
                let toClient = translator.takeBytesForClient()
                if !toClient.isEmpty {
                    moved = true
                    atClient += try clientDecoder.decode(toClient)
                }
                if !moved { return }
            }
        }
    }

    static func frame(_ command: String, _ payload: [UInt8], _ magic: NetworkMagic) throws -> [UInt8] {
        P2PFrame(command: try P2PCommand(command), payload: payload).encoded(magic: magic)
    }

    @Test(arguments: [NetworkMagic.main, .testnet3, .testnet4, .signet, .regtest])
    func messagesCrossIntactBothWays(magic: NetworkMagic) throws {
        var link = try Link(magic: magic)
        let headers = [0xFD, 0xD0, 0x07] + (0..<2000 * 81).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let fromClient: [(String, [UInt8])] = [
            ("version", Array(repeating: 7, count: 102)), ("verack", []), ("headers", headers),
            ("ping", [1, 2, 3, 4, 5, 6, 7, 8]), ("sendtxrcncl", [1, 0, 0, 0, 9, 9, 9, 9, 9, 9, 9, 9]),
        ]
        var bytes: [UInt8] = []
        for (command, payload) in fromClient { bytes += try Self.frame(command, payload, magic) }
        // Drip-fed in odd chunks before and after the remote's key arrives.
        let traffic = try link.translator.fromClient(Array(bytes[..<1000])) + link.translator.fromClient(Array(bytes[1000...]))
        try link.pump()
        #expect(link.remoteHandshakes == 1)
        #expect(link.atRemote.map(\.command) == fromClient.map(\.0))
        #expect(link.atRemote.map(\.payload) == fromClient.map(\.1))
        #expect(traffic.map(\.command) == fromClient.map(\.0))
        #expect(traffic.allSatisfy { $0.direction == .toRemote })

        // Remote to client, with decoys in between (ignored, never reach the client).
        try link.remote.sendDecoy(length: 100)
        try link.remote.send(BIP324Message(command: "pong", payload: [1, 2, 3, 4, 5, 6, 7, 8]))
        try link.remote.sendDecoy(length: 0)
        try link.remote.send(BIP324Message(command: "block", payload: Array(repeating: 0xAB, count: 300_000)))
        try link.remote.send(BIP324Message(command: "wtxidrelay", payload: []))
        try link.pump()
        #expect(link.atClient.map(\.command.name) == ["pong", "block", "wtxidrelay"])
        #expect(link.atClient[1].payload == Array(repeating: 0xAB, count: 300_000))
    }

    @Test func shortIDsOnTheWire() throws {
        var link = try Link(magic: .regtest)
        try link.pump()
        _ = try link.translator.fromClient(try Self.frame("ping", Array(repeating: 0, count: 8), .regtest))
        // 3 length + 1 header + 1 short id + 8 payload + 16 tag.
        #expect(link.translator.takeBytesForRemote().count == 29)
        _ = try link.translator.fromClient(try Self.frame("verack", [], .regtest))
        // verack has no short id: 0 and the 12-byte command.
        #expect(link.translator.takeBytesForRemote().count == 3 + 1 + 13 + 16)
    }

    @Test func badChecksumDropsTheMessageAndKeepsTheClient() throws {
        var link = try Link(magic: .regtest)
        var broken = try Self.frame("ping", [1, 1, 1, 1, 1, 1, 1, 1], .regtest)
        broken[20] ^= 1
        _ = try link.translator.fromClient(broken + (try Self.frame("pong", [2, 2, 2, 2, 2, 2, 2, 2], .regtest)))
        try link.pump()
        #expect(link.translator.droppedClientMessages == 1)
        #expect(link.atRemote.map(\.command) == ["pong"])
    }

    @Test func wrongMagicOrOversizedLengthClosesTheClient() throws {
        var link = try Link(magic: .regtest)
        #expect(throws: ProxyError.self) { try link.translator.fromClient(try Self.frame("ping", Array(repeating: 0, count: 8), .main)) }
        var other = try Link(magic: .regtest)
        let huge = NetworkMagic.regtest.wireBytes + P2PCommand.block.wireField + [0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0]
        #expect(throws: ProxyError.self) { try other.translator.fromClient(huge) }
    }

    @Test func remoteDamageClosesTheConnection() throws {
        var link = try Link(magic: .regtest)
        try link.pump()
        try link.remote.send(BIP324Message(command: "ping", payload: Array(repeating: 0, count: 8)))
        var bytes = link.remote.takeBytesToSend()
        bytes[bytes.count - 1] ^= 0x80
        #expect(throws: ProxyError.self) { try link.translator.fromRemote(bytes) }
    }

    @Test func clientBytesAreKeptForAV1ReplayUntilTheRemoteSpeaks() throws {
        var link = try Link(magic: .regtest)
        let version = try Self.frame("version", Array(repeating: 3, count: 90), .regtest)
        _ = try link.translator.fromClient(version)
        #expect(link.translator.replayableClientBytes == version)
        #expect(!link.translator.remoteSpoke)
        try link.pump()
        #expect(link.translator.remoteSpoke)
        #expect(link.translator.replayableClientBytes == nil)
    }

    @Test func v1FallbackReframesBothWays() throws {
        var translator = ProxyTranslator(v1Magic: .testnet4)
        #expect(!translator.isV2)
        let ping = try Self.frame("ping", [9, 9, 9, 9, 9, 9, 9, 9], .testnet4)
        let out = try translator.fromClient(ping)
        #expect(out == [ProxyTraffic(direction: .toRemote, command: "ping", payloadBytes: 8)])
        #expect(translator.takeBytesForRemote() == ping)
        let headers = try Self.frame("headers", [0], .testnet4)
        #expect(try translator.fromRemote(headers).map(\.command) == ["headers"])
        #expect(translator.takeBytesForClient() == headers)
    }

    @Test func metricLabelsAreBounded() {
        #expect(ProxyTraffic(direction: .toRemote, command: "headers", payloadBytes: 0).commandLabel == "headers")
        #expect(ProxyTraffic(direction: .toRemote, command: "version", payloadBytes: 0).commandLabel == "version")
        #expect(ProxyTraffic(direction: .toRemote, command: "madeup123", payloadBytes: 0).commandLabel == "other")
    }
}
