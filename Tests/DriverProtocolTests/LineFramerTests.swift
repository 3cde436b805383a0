import DriverProtocol
import Testing

@Suite struct LineFramerTests {
    @Test func splitsLinesAcrossChunks() {
        var framer = LineFramer(maxLineBytes: 100)
        var events = framer.append(Array("{\"a\":1}\n{\"b\"".utf8))
        events += framer.append(Array(":2}\r\n\n   \n{\"c\":3}".utf8))
        #expect(events == [.line(Array("{\"a\":1}".utf8)), .line(Array("{\"b\":2}".utf8))])
        #expect(framer.finish() == .line(Array("{\"c\":3}".utf8)))
    }

    @Test func dripFeedOneByteAtATimeMatchesOneChunk() {
        let input = Array("one\ntwo\r\nthree\n\nfour\n".utf8)
        var whole = LineFramer(maxLineBytes: 10)
        let expected = whole.append(input)
        var drip = LineFramer(maxLineBytes: 10)
        var events: [LineFramer.Event] = []
        for byte in input { events += drip.append([byte]) }
        #expect(events == expected)
        #expect(events.count == 4)
    }

    @Test func oversizedLineIsDiscardedWithoutBufferingAndFramingRecovers() {
        var framer = LineFramer(maxLineBytes: 16)
        var events: [LineFramer.Event] = []
        events += framer.append(Array("ok\n".utf8))
        for _ in 0..<1000 {
            events += framer.append([UInt8](repeating: 0x61, count: 100))
            #expect(framer.bufferedCount <= 16)
        }
        events += framer.append(Array("tail\nafter\n".utf8))
        #expect(events == [.line(Array("ok".utf8)), .oversized(byteCount: 100_004), .line(Array("after".utf8))])
    }

    @Test func lineExactlyAtTheLimitIsAccepted() {
        var framer = LineFramer(maxLineBytes: 4)
        #expect(framer.append(Array("abcd\nabcde\n".utf8)) == [.line(Array("abcd".utf8)), .oversized(byteCount: 5)])
    }

    @Test func unterminatedOversizedTailIsReportedAtEnd() {
        var framer = LineFramer(maxLineBytes: 4)
        #expect(framer.append(Array("abcdefgh".utf8)).isEmpty)
        #expect(framer.finish() == .oversized(byteCount: 8))
    }

    @Test func defaultLimitHoldsTheLargestBlockAsHex() {
        // A 4,000,000-byte block is 8,000,000 hex characters plus a small envelope.
        #expect(DriverProtocolLimits.maxLineBytes >= 8_000_000 + 1024)
    }
}
