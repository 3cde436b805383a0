import AltLogic
import BitcoinPrimitives
import DriverProtocol
import Testing

/// What a broadcast feed pushed, kept bounded and read back as `getheaders` answers
/// (no processes: regtest blocks from Simnode's miner).
@Suite struct FeedWindowTests {
    static func headersMessage(_ headers: [BlockHeader]) -> DriverP2PMessage {
        let payload = P2PMessage.headers(headers).encodePayload()
        return DriverP2PMessage(command: "headers", payload: payload.hex)
    }

    @Test func extendsReorgsAndAnswersLikeAPeer() throws {
        let chain = try RegtestChains.extend(try RegtestChains.genesis(), by: 10)
        let headers = chain.map(\.header)
        var window = FeedWindow()
        // Nothing pushed: no answer (silence is not "nothing better").
        #expect(window.headers(after: [headers[0].hash]) == nil)
        let changed19 = window.take(Self.headersMessage(Array(headers[1...5])), peer: "sat0")
        #expect(changed19)
        #expect(window.count == 5)
        // Extends; a repeat changes nothing.
        let changed23 = window.take(Self.headersMessage(Array(headers[6...8])), peer: "sat0")
        #expect(changed23)
        let changed25 = window.take(Self.headersMessage(Array(headers[3...8])), peer: "sat0")
        #expect(!changed25)
        #expect(window.count == 8 && window.tip == headers[8])
        // A repeat that goes further adds only the new part.
        let changed29 = window.take(Self.headersMessage(Array(headers[7...10])), peer: "sat0")
        #expect(changed29)
        #expect(window.count == 10)
        // Answers as a peer: after the first locator hash it knows, or after the run's parent.
        #expect(window.headers(after: [headers[4].hash, headers[0].hash]) == Array(headers[5...10]))
        #expect(window.headers(after: [BlockHash(Hash256(words: (7, 7, 7, 7))), headers[0].hash]) == Array(headers[1...10]))
        #expect(window.headers(after: [headers[10].hash]) == [])
        #expect(window.headers(after: [BlockHash(Hash256(words: (7, 7, 7, 7)))]) == nil)
        #expect(window.headers(after: [headers[0].hash], limit: 3) == Array(headers[1...3]))

        // The feed reorgs: a branch from height 6 replaces what it held above 6.
        let fork = try RegtestChains.extend(Array(chain[0...6]), by: 3, fork: 9).map(\.header)
        let changed41 = window.take(Self.headersMessage(Array(fork[7...9])), peer: "sat0")
        #expect(changed41)
        #expect(window.count == 9 && window.tip == fork[9])
        #expect(window.headers(after: [headers[6].hash]) == Array(fork[7...9]))
        // A run that links to nothing held starts over.
        let other = try RegtestChains.extend(Array(chain[0...0]), by: 3, fork: 5).map(\.header)
        let changed47 = window.take(Self.headersMessage(Array(other[2...3])), peer: "sat1")
        #expect(changed47)
        #expect(window.count == 2 && window.lastPeer == "sat1")
    }

    /// A feed that pushes without end costs at most the window's caps.
    @Test func boundedHowEverMuchIsPushed() throws {
        let chain = try RegtestChains.extend(try RegtestChains.genesis(), by: 60).map(\.header)
        var window = FeedWindow(maxHeaders: 16, maxBlocks: 2)
        for start in stride(from: 1, to: 60, by: 7) {
            _ = window.take(Self.headersMessage(Array(chain[start...min(start + 6, 60)])), peer: "sat0")
            #expect(window.count <= 16)
        }
        #expect(window.count == 16 && window.tip == chain[60])
        // The oldest were dropped; the newest still answer.
        #expect(window.headers(after: [chain[50].hash]) == Array(chain[51...60]))
        #expect(window.headers(after: [chain[10].hash]) == nil)
        // Unreadable and other commands are refused and counted, never kept.
        let changed65 = window.take(.init(command: "headers", payload: "zz"), peer: "sat0")
        #expect(!changed65)
        let changed67 = window.take(.init(command: "tx", payload: "00"), peer: "sat0")
        #expect(!changed67)
        #expect(window.refused == 2)
    }

    @Test func keepsTheNewestPushedBlocks() throws {
        let chain = try RegtestChains.extend(try RegtestChains.genesis(), by: 4)
        var window = FeedWindow(maxBlocks: 2)
        for block in chain.dropFirst() {
            let changed76 = window.take(.init(command: "block", payload: block.serialized.hex), peer: "sat0")
            #expect(changed76)
        }
        #expect(window.block(chain[1].hash) == nil && window.block(chain[2].hash) == nil)
        #expect(window.block(chain[4].hash) == chain[4].serialized.hex)
        let changed81 = window.take(.init(command: "block", payload: chain[4].serialized.hex), peer: "sat0")
        #expect(!changed81)
    }
}
