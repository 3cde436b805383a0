import BitcoinPrimitives
import Foundation
import LightningAltnetMessages
import Testing

/// Fragments of different messages may interleave (one connection, one ordered stream), so a
/// small `tx` or `getheaders` need not wait behind a 4 MB block.
@Suite struct InterleavingTests {
    let t0 = ContinuousClock.now

    @Test func twoMessagesInFlightAndAWholeOneBetween() throws {
        var encoder = AltnetEncoder()
        let block = try Fixtures.altnet(.block(try Fixtures.block(serializedSize: 1_000_000, seed: 11)))
        let headers = try Fixtures.altnet(.headers(try Fixtures.mainnetHeaders(2000)))
        let tx = try AltnetMessage(command: "tx", payload: Fixtures.bytes(250, seed: 12))
        let blockWire = encoder.encode(block)
        let headersWire = encoder.encode(headers)
        let txWire = encoder.encode(tx)
        try #require(blockWire.count == 16 && headersWire.count == 3 && txWire.count == 1)
        #expect(encoder.nextMessageID == 2)  // whole messages take no id

        // b0 h0 b1 h1 tx b2 h2 b3 ... b15
        var stream: [LightningMessage] = []
        for i in 0..<blockWire.count {
            stream.append(blockWire[i])
            if i < headersWire.count { stream.append(headersWire[i]) }
            if i == 1 { stream.append(contentsOf: txWire) }
        }
        var r = Reassembler()
        var maxInFlight = 0
        var maxReserved = 0
        var complete: [AltnetMessage] = []
        for piece in stream {
            if case .complete(let m) = try r.receive(piece, now: t0) { complete.append(m) }
            maxInFlight = max(maxInFlight, r.messagesInFlight)
            maxReserved = max(maxReserved, r.reservedByteCount)
        }
        #expect(complete == [tx, headers, block])
        #expect(maxInFlight == 2)
        #expect(maxReserved == (1 + 5 + 1_000_000) + (1 + 7 + 162_003))
        #expect(r.bufferedByteCount == 0 && r.reservedByteCount == 0)
    }

    /// A violation in one stream ends the link: the other partial message is released too.
    @Test func violationReleasesEveryPartialMessage() throws {
        var encoder = AltnetEncoder(fragmentDataSize: 20_000)
        let a = encoder.encode(try AltnetMessage(command: "block", payload: Fixtures.bytes(70_000, seed: 1)))
        let b = encoder.encode(try AltnetMessage(command: "tx", payload: Fixtures.bytes(70_000, seed: 2)))
        try #require(a.count == 4 && b.count == 4)
        var r = Reassembler()
        _ = try r.feed([a[0], b[0], a[1], b[1]], now: t0)
        #expect(r.messagesInFlight == 2 && r.bufferedByteCount > 0)
        let error = altnetError { _ = try r.receive(b[3], now: t0) }
        #expect(error?.reason == .fragmentGap(offset: 60_000, expected: 40_000))
        #expect(error?.messageID == 1)
        #expect(r.messagesInFlight == 0 && r.bufferedByteCount == 0 && r.reservedByteCount == 0)
        #expect(altnetError { _ = try r.receive(a[2], now: t0) }?.reason == .reassemblerFailed)
    }

    /// Deadlines are per message: the older one expires, the younger one completes.
    @Test func deadlinesArePerMessage() throws {
        var encoder = AltnetEncoder(fragmentDataSize: 20_000)
        let a = encoder.encode(try AltnetMessage(command: "block", payload: Fixtures.bytes(70_000, seed: 1)))
        let b = encoder.encode(try AltnetMessage(command: "block", payload: Fixtures.bytes(70_000, seed: 2)))
        try #require(a.count == 4 && b.count == 4)
        var r = Reassembler(limits: AltnetReassemblyLimits(reassemblyTimeout: .seconds(10)))
        _ = try r.receive(a[0], now: t0)
        _ = try r.receive(b[0], now: t0 + .seconds(5))
        #expect(r.nextDeadline == t0 + .seconds(10))
        let expired = r.expire(now: t0 + .seconds(12))
        #expect(expired.map(\.messageID) == [0])
        #expect(r.nextDeadline == t0 + .seconds(15))
        #expect(try r.feed(Array(b.dropFirst()), now: t0 + .seconds(13)).count == 1)
        #expect(try r.receive(a[1], now: t0 + .seconds(13)) == .discarded(messageID: 0))
    }
}
