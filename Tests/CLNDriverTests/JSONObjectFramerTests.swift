import CLNDriverCore
import Testing

/// The framer of lightningd's JSON streams: objects split at any offset, strings with braces and
/// escapes, the size cap, stray bytes.
@Suite struct JSONObjectFramerTests {
    static let stream = Array(#"{"a":"}{\"","b":[1,{"c":2}]}  {"id":"x\\"}"#.utf8) + [0x0A, 0x0A] + Array(#"{"z":{}}"#.utf8)
    static let expected: [[UInt8]] = [Array(#"{"a":"}{\"","b":[1,{"c":2}]}"#.utf8), Array(#"{"id":"x\\"}"#.utf8), Array(#"{"z":{}}"#.utf8)]

    @Test func splitsAtEveryOffset() {
        for cut in 0...Self.stream.count {
            var framer = JSONObjectFramer(maxObjectBytes: 1_000)
            let events = framer.append(Array(Self.stream[..<cut])) + framer.append(Array(Self.stream[cut...]))
            #expect(events == Self.expected.map { .object($0) }, "cut at \(cut)")
            #expect(framer.bufferedCount == 0)
        }
    }

    @Test func byteByByte() {
        var framer = JSONObjectFramer(maxObjectBytes: 1_000)
        let events = Self.stream.flatMap { framer.append([$0]) }
        #expect(events == Self.expected.map { .object($0) })
    }

    @Test func oversizedObjectIsCountedAndDropped() {
        var framer = JSONObjectFramer(maxObjectBytes: 16)
        let big = Array(#"{"payload":"0123456789abcdef0123"}"#.utf8)
        let events = framer.append(big + Array(#"{"ok":1}"#.utf8))
        #expect(events == [.oversized(byteCount: big.count), .object(Array(#"{"ok":1}"#.utf8))])
        #expect(framer.bufferedCount <= 16)
    }

    @Test func strayBytesBetweenObjectsAreReported() {
        var framer = JSONObjectFramer(maxObjectBytes: 100)
        #expect(framer.append(Array("x{}".utf8)) == [.stray(UInt8(ascii: "x")), .object(Array("{}".utf8))])
    }
}
