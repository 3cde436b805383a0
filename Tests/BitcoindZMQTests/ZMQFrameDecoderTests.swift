import BitcoinPrimitives
import Testing

@testable import BitcoindZMQ

/// Pure decoding of bitcoind's ZMQ frames: byte order, every topic, every malformed shape.
@Suite struct ZMQFrameDecoderTests {
    /// Mainnet block 1's hash as RPC displays it; bitcoind sends exactly these bytes.
    static let block1Display = "00000000839a8e6886ab5951d76f411475428afc90947ee320161bbf18eb6048"

    static func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }

    @Test func hashblockBodyIsInDisplayOrder() throws {
        let body = try [UInt8](hex: Self.block1Display)
        let message = try ZMQFrameDecoder.decode([Array("hashblock".utf8), body, Self.le32(7)])
        #expect(message.topic == .hashBlock)
        #expect(message.sequence == 7)
        #expect(message.notification == .hashBlock(try BlockHash(displayHex: Self.block1Display)))
        // Internal order is the reverse: ends with the leading zeros of the display form.
        guard case .hashBlock(let hash) = message.notification else { Issue.record("not hashblock"); return }
        #expect(Array(hash.internalBytes.suffix(4)) == [0, 0, 0, 0])
    }

    @Test func sequenceCounterIsLittleEndian() throws {
        let seq = try ZMQFrameDecoder.decodeSequenceNumber([0x01, 0x02, 0x03, 0x04])
        #expect(seq == 0x0403_0201)
    }

    @Test func sequenceTopicLabels() throws {
        let hash = try [UInt8](hex: Self.block1Display)
        let blockHash = try BlockHash(displayHex: Self.block1Display)
        #expect(try ZMQFrameDecoder.decodeSequenceBody(hash + [UInt8(ascii: "C")]) == .blockConnected(blockHash))
        #expect(try ZMQFrameDecoder.decodeSequenceBody(hash + [UInt8(ascii: "D")]) == .blockDisconnected(blockHash))
        let mempoolSeq: [UInt8] = [0x10, 0, 0, 0, 0, 0, 0, 0x01]
        #expect(try ZMQFrameDecoder.decodeSequenceBody(hash + [UInt8(ascii: "A")] + mempoolSeq)
                == .transactionAdded(txid: blockHash.hash, mempoolSequence: 0x0100_0000_0000_0010))
        #expect(try ZMQFrameDecoder.decodeSequenceBody(hash + [UInt8(ascii: "R")] + mempoolSeq)
                == .transactionRemoved(txid: blockHash.hash, mempoolSequence: 0x0100_0000_0000_0010))
    }

    @Test func rawblockParsesItsHeader() throws {
        let header = BlockHeader(version: 0x2000_0000, previousBlockHash: .zero, merkleRoot: .zero,
                                 time: 1_700_000_000, bits: 0x207f_ffff, nonce: 3)
        let block = header.serialized + [0x00]
        let message = try ZMQFrameDecoder.decode([Array("rawblock".utf8), block, Self.le32(0)])
        guard case .rawBlock(let raw) = message.notification else { Issue.record("not rawblock"); return }
        #expect(raw.header == header)
        #expect(raw.hash == header.hash)
        #expect(raw.bytes == block)
    }

    @Test func encodeThenDecodeRoundTrips() throws {
        let hash = try BlockHash(displayHex: Self.block1Display)
        let messages: [ZMQMessage] = [
            ZMQMessage(topic: .hashBlock, sequence: 0, notification: .hashBlock(hash)),
            ZMQMessage(topic: .hashTx, sequence: .max, notification: .hashTx(hash.hash)),
            ZMQMessage(topic: .rawTx, sequence: 9, notification: .rawTx([1, 2, 3])),
            ZMQMessage(topic: .sequence, sequence: 1, notification: .sequence(.blockConnected(hash))),
            ZMQMessage(topic: .sequence, sequence: 2, notification: .sequence(.transactionRemoved(txid: hash.hash, mempoolSequence: 5))),
        ]
        for m in messages {
            let frames = ZMQFrameDecoder.encode(m)
            #expect(try ZMQFrameDecoder.decode(frames) == m)
            // bitcoind's wire form: the body of a hash topic is the display-order bytes.
            if m.topic == .hashBlock { #expect(frames[1].hex == Self.block1Display) }
        }
    }

    /// Every malformed shape is a typed error with the reason, never a trap.
    @Test(arguments: [
        ([["hashblock"], ["32"]], ZMQFrameError.Reason.frameCount(2)),
        ([["hashblock"], ["32"], ["4"], ["4"]], .frameCount(4)),
        ([["hashblock"], ["31"], ["4"]], .bodyLength(topic: .hashBlock, expected: "32", got: 31)),
        ([["hashblock"], ["33"], ["4"]], .bodyLength(topic: .hashBlock, expected: "32", got: 33)),
        ([["hashblock"], ["32"], ["3"]], .sequenceLength(3)),
        ([["hashblock"], ["32"], ["5"]], .sequenceLength(5)),
        ([["hashblock"], ["32"], ["0"]], .sequenceLength(0)),
        ([["hashtx"], ["0"], ["4"]], .bodyLength(topic: .hashTx, expected: "32", got: 0)),
        ([["rawblock"], ["80"], ["4"]], .bodyLength(topic: .rawBlock, expected: "more than 80", got: 80)),
        ([["rawtx"], ["0"], ["4"]], .bodyLength(topic: .rawTx, expected: "at least 1", got: 0)),
        ([["sequence"], ["32"], ["4"]], .bodyLength(topic: .sequence, expected: "33 (C, D) or 41 (A, R)", got: 32)),
        ([["sequence"], ["32A"], ["4"]], .bodyLength(topic: .sequence, expected: "41 for label A or R", got: 33)),
        ([["sequence"], ["32C8"], ["4"]], .bodyLength(topic: .sequence, expected: "33 for label C or D", got: 41)),
        ([["sequence"], ["32X"], ["4"]], .unknownSequenceLabel(UInt8(ascii: "X"))),
    ])
    func malformedFramesAreTypedErrors(spec: [[String]], expected: ZMQFrameError.Reason) {
        let frames = spec.enumerated().map { i, part in Self.frame(part[0], index: i) }
        #expect(throws: ZMQFrameError(expected)) { try ZMQFrameDecoder.decode(frames) }
    }

    /// Frame specs: index 0 is a topic; elsewhere "N" is N filler bytes, "N<L>" N bytes then
    /// label L, "N<L>M" adds M more bytes.
    static func frame(_ spec: String, index: Int) -> [UInt8] {
        if index == 0 { return Array(spec.utf8) }
        let digits = spec.prefix { $0.isNumber }
        var bytes = [UInt8](repeating: 0xab, count: Int(digits) ?? 0)
        let rest = spec.dropFirst(digits.count)
        if let label = rest.first {
            bytes.append(UInt8(ascii: label.unicodeScalars.first ?? "?"))
            bytes += [UInt8](repeating: 0, count: Int(rest.dropFirst()) ?? 0)
        }
        return bytes
    }

    @Test func unknownTopicIsShownEscapedAndBounded() {
        let topic: [UInt8] = Array("hashblockx".utf8) + [0x00, 0xff] + [UInt8](repeating: 0x41, count: 40)
        do {
            _ = try ZMQFrameDecoder.decode([topic, [], [0, 0, 0, 0]])
            Issue.record("accepted an unknown topic")
        } catch {
            guard case .unknownTopic(let shown) = error.reason else { Issue.record("\(error)"); return }
            #expect(shown.hasPrefix("hashblockx\\x00\\xff"))
            #expect(shown.hasSuffix("..."))
            #expect(shown.count < 64)
        }
    }

    /// Drip: every truncation of every valid message fails cleanly or decodes (never traps).
    @Test func everyTruncationIsHandled() throws {
        let hash = try BlockHash(displayHex: Self.block1Display)
        let valid = ZMQFrameDecoder.encode(ZMQMessage(topic: .sequence, sequence: 3,
            notification: .sequence(.transactionAdded(txid: hash.hash, mempoolSequence: 1))))
        var failures = 0
        for part in 0..<3 {
            for length in 0..<valid[part].count {
                var frames = valid
                frames[part] = Array(frames[part].prefix(length))
                do { _ = try ZMQFrameDecoder.decode(frames) } catch { failures += 1 }
            }
        }
        // Only a truncated 41-byte sequence body of exactly 33 bytes with label 'A' could parse,
        // and it must not: every truncation fails.
        #expect(failures == valid.map(\.count).reduce(0, +))
    }
}

@Suite struct ZMQSequenceTrackerTests {
    @Test func inOrderGapDuplicateRestartWrap() {
        var t = ZMQSequenceTracker()
        #expect(t.record(10, topic: .hashBlock) == .first)
        #expect(t.record(11, topic: .hashBlock) == .inOrder)
        #expect(t.record(0, topic: .sequence) == .first)  // topics count independently
        #expect(t.record(14, topic: .hashBlock) == .gap(expected: 12, received: 14, missed: 2))
        #expect(t.record(14, topic: .hashBlock) == .duplicate)
        #expect(t.record(15, topic: .hashBlock) == .inOrder)
        #expect(t.record(0, topic: .hashBlock) == .restarted(previous: 15, received: 0))
        #expect(t.record(1, topic: .hashBlock) == .inOrder)
        #expect(t.record(UInt32.max, topic: .rawBlock) == .first)
        #expect(t.record(0, topic: .rawBlock) == .inOrder)  // wraps
        #expect(t.record(3, topic: .rawBlock) == .gap(expected: 1, received: 3, missed: 2))
        t.reset()
        #expect(t.record(99, topic: .hashBlock) == .first)
    }
}
