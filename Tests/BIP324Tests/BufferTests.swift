@testable import BIP324
import Foundation
import Testing

/// The copy-avoiding paths: packets opened in place in the inbox, sealed packets
/// adopted as the outbox, payloads handed over as slices of the decrypted buffer.
@Suite("BIP324 buffers")
struct BufferTests {
    static let messages = [
        BIP324Message(command: "verack", payload: []),
        BIP324Message(command: "ping", payload: [1, 2, 3, 4, 5, 6, 7, 8]),
        BIP324Message(command: "headers", payload: (0..<300).map { UInt8(truncatingIfNeeded: $0 &* 31) }),
    ]

    @Test("a stream split in two at every offset decodes as the whole stream")
    func everySplit() throws {
        var (i, r) = try Fixture.connected()
        for m in Self.messages { try i.send(m) }
        try i.sendDecoy(length: 20)
        try i.send(Self.messages[1])
        let stream = i.takeBytesToSend()
        var whole = r
        let expected = try whole.receive(stream)
        #expect(expected == (Self.messages + [Self.messages[1]]).map { .message($0) })
        for k in 0...stream.count {
            // Same keys, same state (the transport is a value): only the split differs.
            var split = r
            var events: [BIP324Event] = []
            try stream.withUnsafeBytes { raw in
                events += try split.receive(UnsafeRawBufferPointer(rebasing: raw[..<k]))
                events += try split.receive(UnsafeRawBufferPointer(rebasing: raw[k...]))
            }
            #expect(events == expected, "split at \(k)")
        }
    }

    @Test("partial writes of large packets, with packets queued behind a half-written one")
    func largePartialWrites() throws {
        var (i, r) = try Fixture.connected()
        let big = (0..<3).map { n in
            BIP324Message(command: "block", payload: [UInt8](repeating: UInt8(n + 1), count: 150_000 + n))
        }
        try i.send(big[0])
        var events: [BIP324Event] = []
        var queued = 1
        while i.hasBytesToSend {
            // A socket that takes 50,000 bytes per write; more messages arrive meanwhile.
            try i.withBytesToSend { bytes in
                let n = min(50_000, bytes.count)
                events += try r.receive(UnsafeRawBufferPointer(rebasing: bytes[..<n]))
                return n
            }
            if queued < big.count {
                try i.send(big[queued])
                queued += 1
            }
        }
        #expect(events == big.map { .message($0) })
    }

    @Test("a received payload is indexed from 0 and equals the bytes sent")
    func receivedPayload() throws {
        var (i, r) = try Fixture.connected()
        let sent = Self.messages[2]
        try i.send(sent)
        let events = try r.receive(i.takeBytesToSend())
        guard case .message(let got) = try #require(events.first) else {
            Issue.record("expected a message, got \(events)")
            return
        }
        guard case .data = got.payloadBytes.storage else {
            Issue.record("a received payload should be a view of the decrypted buffer")
            return
        }
        #expect(got.payloadBytes.startIndex == 0 && got.payloadBytes.count == sent.payload.count)
        #expect(got.payloadBytes[0] == sent.payload[0] && got.payloadBytes.last == sent.payload.last)
        #expect(got.payload == sent.payload)
        #expect(got == sent)
        #expect(Array(got.payloadBytes) == sent.payload)
        #expect(got.payloadBytes.withUnsafeBytes { [UInt8]($0) } == sent.payload)
        #expect(BIP324Payload(Data([1, 2, 3])[1...]) == [2, 3])
    }
}
