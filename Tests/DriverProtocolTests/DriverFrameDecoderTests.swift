import DriverProtocol
import Foundation
import Testing

/// The driver pipe's decoder: JSON lines and binary frames on one stream, any chunking, one limit.
@Suite struct DriverFrameDecoderTests {
    /// A 2,000-header `headers` payload (random bytes of the real size: 3 + 2,000 x 81).
    static let headersPayload: [UInt8] = {
        var generator = SystemRandomNumberGenerator()
        return [0xFD, 0xD0, 0x07] + (0..<(2000 * 81)).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }()

    /// A stream as a driver writes it around the switch: JSON lines, then frames (one carrying the
    /// 2,000 headers, one empty-payload answer, one error), then a JSON line again.
    static func stream(payload: [UInt8] = headersPayload) throws -> [UInt8] {
        var bytes = Array(#"{"jsonrpc":"2.0","id":1,"result":{}}"#.utf8) + [0x0A]
        let big = SendMessageResult(peer: "p1", replies: [DriverP2PMessage(command: "headers", payloadBytes: payload)])
        bytes += try RPCCodec.result(id: .number(2), big, framing: .binary)
        bytes += try RPCCodec.result(id: .number(3), EmptyObject(), framing: .binary)
        bytes += RPCCodec.error(id: nil, DriverProtocolError(.parse, "x"), framing: .binary)
        bytes += Array("\r\n".utf8) + Array(#"{"jsonrpc":"2.0","method":"peerdisconnected","params":{"peer":"p1"}}"#.utf8) + [0x0A]
        return bytes
    }

    @Test func linesAndFramesDecodeInOrder() throws {
        var decoder = DriverFrameDecoder()
        let events = decoder.append(try Self.stream())
        #expect(events.count == 5)
        guard events.count == 5, case .frame(let body) = events[1] else {
            Issue.record("expected a frame second: \(events.map(Self.name))")
            return
        }
        let frame = try RPCCodec.parse(frame: body)
        #expect(frame.kind == .result(id: .number(2)))
        #expect(frame.framing == .binary)
        let result = try frame.result(as: SendMessageResult.self)
        #expect(try result.replies.first?.payloadBytes() == Self.headersPayload)
        // The header carries a range, not hex: it is small whatever the payload.
        #expect(frame.bytes.count < 200)
        #expect(String(decoding: frame.bytes, as: UTF8.self).contains(#""payload_bin":[0,162003]"#))
        #expect(events.map(Self.name) == ["line", "frame", "frame", "frame", "line"])
    }

    /// A stream split in two at every offset, in three at every pair of offsets 7 apart, and fed
    /// one byte at a time: the same events as in one piece. Every offset of a frame with 20
    /// headers (all of it: prefix, header length, header, payload), and of the 2,000-header one a
    /// cut every 97 bytes (every offset of it costs minutes in a debug build) plus the drip feed.
    @Test(arguments: [20, 2000])
    func splitAtEveryOffsetGivesTheSameEvents(headers: Int) throws {
        let stream = try Self.stream(payload: Array(Self.headersPayload.prefix(3 + headers * 81)))
        var whole = DriverFrameDecoder()
        var expected = whole.append(stream)
        if let last = whole.finish() { expected.append(last) }
        #expect(expected.count == 5)
        let step = headers == 20 ? 1 : 97
        for cut in stride(from: 0, through: stream.count, by: step) {
            var decoder = DriverFrameDecoder()
            var events = stream.withUnsafeBytes { raw in decoder.append(UnsafeRawBufferPointer(rebasing: raw[0..<cut])) }
            events += stream.withUnsafeBytes { raw in decoder.append(UnsafeRawBufferPointer(rebasing: raw[cut...])) }
            if let last = decoder.finish() { events.append(last) }
            if events != expected {
                Issue.record("split at \(cut) of \(stream.count) gives \(events.map(Self.name))")
                return
            }
            if headers == 20, cut + 7 <= stream.count {
                var three = DriverFrameDecoder()
                var parts = three.append(Array(stream[..<cut]))
                parts += three.append(Array(stream[cut..<(cut + 7)]))
                parts += three.append(Array(stream[(cut + 7)...]))
                if let last = three.finish() { parts.append(last) }
                #expect(parts == expected, "three pieces at \(cut)")
            }
        }
        var drip = DriverFrameDecoder()
        var events: [DriverFrameDecoder.Event] = []
        for byte in stream { events += drip.append([byte]) }
        #expect(events == expected)
    }

    /// A frame declaring 4 GiB - 1 is refused as soon as its length is read, and its bytes are
    /// skipped as they come: nothing is buffered, memory does not grow, the next frame reads.
    @Test func oversizedFrameIsRefusedBeforeAllocation() throws {
        var decoder = DriverFrameDecoder()
        let rssBefore = Self.residentBytes()
        var events = decoder.append([BinaryFrame.marker, 0xFF, 0xFF, 0xFF, 0xFF])
        #expect(events == [.oversized(byteCount: 0xFFFF_FFFF)])
        #expect(decoder.bufferedCount == 0)
        let chunk = [UInt8](repeating: 0x7B, count: 1 << 20)
        for _ in 0..<64 {
            events = decoder.append(chunk)
            #expect(events.isEmpty)
            #expect(decoder.bufferedCount == 0)
        }
        #expect(Self.residentBytes() - rssBefore < 16 << 20, "64 MiB of a refused frame were held")

        // At the limit a frame is read; one byte over it is refused, skipped, and the stream goes on.
        var small = DriverFrameDecoder(maxBytes: 16)
        let ok = small.append([BinaryFrame.marker, 0, 0, 0, 16] + [UInt8](repeating: 1, count: 16))
        #expect(ok == [.frame([UInt8](repeating: 1, count: 16))])
        var over = small.append([BinaryFrame.marker, 0, 0, 0, 17])
        #expect(over == [.oversized(byteCount: 17)])
        over = small.append([UInt8](repeating: 2, count: 17) + Array("{}\n".utf8))
        #expect(over == [.line(Array("{}".utf8))])
    }

    /// A frame cut off by the end of the stream is dropped; an unterminated line is returned.
    @Test func endOfStream() {
        var decoder = DriverFrameDecoder()
        #expect(decoder.append([BinaryFrame.marker, 0, 0, 0, 9, 1, 2]).isEmpty)
        #expect(decoder.finish() == nil)
        #expect(decoder.append(Array("{\"a\":1}".utf8)).isEmpty)
        #expect(decoder.finish() == .line(Array("{\"a\":1}".utf8)))
    }

    static func name(_ event: DriverFrameDecoder.Event) -> String {
        switch event {
        case .line: "line"
        case .frame: "frame"
        case .oversized: "oversized"
        }
    }

    /// This process's resident set (Linux /proc/self/statm, pages).
    static func residentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        return fields.count > 1 ? (Int(fields[1]) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE))) : 0
    }
}
