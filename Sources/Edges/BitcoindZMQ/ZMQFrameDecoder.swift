import BitcoinPrimitives

/// Decodes bitcoind's multipart ZMQ messages into typed ``ZMQMessage`` values. Pure: frames in,
/// value or ``ZMQFrameError`` out; no sockets.
///
/// Wire format (bitcoin/bitcoin doc/zmq.md and src/zmq/zmqpublishnotifier.cpp):
/// ```
/// frame 0: topic   "hashblock" | "rawblock" | "sequence" | "hashtx" | "rawtx"
/// frame 1: body    hashblock/hashtx: 32-byte hash, reversed (RPC display order)
///                  rawblock/rawtx:   serialised block / transaction
///                  sequence:         32-byte hash (reversed) + 'C'|'D'
///                                    32-byte hash (reversed) + 'A'|'R' + uint64 LE mempool seq
/// frame 2: uint32 little-endian message counter, per notifier
/// ```
public enum ZMQFrameDecoder {
    /// Decodes one multipart message.
    /// - Parameter frames: the frames of one multipart message, in order.
    /// - Returns: the decoded message.
    /// - Throws: ``ZMQFrameError`` for a wrong frame count, unknown topic, wrong body or
    ///   sequence length, or an unknown `sequence` label.
    public static func decode(_ frames: [[UInt8]]) throws(ZMQFrameError) -> ZMQMessage {
        guard frames.count == 3 else { throw ZMQFrameError(.frameCount(frames.count)) }
        let topic = try decodeTopic(frames[0])
        let sequence = try decodeSequenceNumber(frames[2])
        let notification = try decodeBody(frames[1], topic: topic)
        return ZMQMessage(topic: topic, sequence: sequence, notification: notification)
    }

    /// Decodes the topic frame.
    /// - Throws: ``ZMQFrameError/Reason/unknownTopic(_:)``.
    public static func decodeTopic(_ frame: [UInt8]) throws(ZMQFrameError) -> ZMQTopic {
        if frame.count <= 16, let topic = ZMQTopic(rawValue: String(decoding: frame, as: UTF8.self)) {
            return topic
        }
        // Show at most 32 bytes, printable ASCII as is, anything else as \xNN.
        let shown = frame.prefix(32).map { b -> String in
            (0x20..<0x7f).contains(b) && b != 0x5c ? String(UnicodeScalar(b)) : "\\x" + Hex.encode([b])
        }.joined()
        throw ZMQFrameError(.unknownTopic(frame.count > 32 ? shown + "..." : shown))
    }

    /// Decodes the 4-byte little-endian message counter.
    /// - Throws: ``ZMQFrameError/Reason/sequenceLength(_:)`` unless exactly 4 bytes.
    public static func decodeSequenceNumber(_ frame: [UInt8]) throws(ZMQFrameError) -> UInt32 {
        guard frame.count == 4 else { throw ZMQFrameError(.sequenceLength(frame.count)) }
        return UInt32(frame[0]) | UInt32(frame[1]) << 8 | UInt32(frame[2]) << 16 | UInt32(frame[3]) << 24
    }

    /// Decodes a body for the given topic.
    /// - Throws: ``ZMQFrameError`` when the body does not fit the topic.
    public static func decodeBody(_ body: [UInt8], topic: ZMQTopic) throws(ZMQFrameError) -> ZMQNotification {
        switch topic {
        case .hashBlock:
            return .hashBlock(BlockHash(try displayOrderHash(body, topic: topic)))
        case .hashTx:
            return .hashTx(try displayOrderHash(body, topic: topic))
        case .rawBlock:
            // A block is a header and at least a CompactSize transaction count.
            guard body.count > BlockHeader.size else {
                throw ZMQFrameError(.bodyLength(topic: topic, expected: "more than 80", got: body.count))
            }
            do {
                let header = try BlockHeader(bytes: body[0..<BlockHeader.size])
                return .rawBlock(RawBlock(header: header, bytes: body))
            } catch {
                throw ZMQFrameError(.badBlockHeader(error.description))
            }
        case .rawTx:
            guard !body.isEmpty else {
                throw ZMQFrameError(.bodyLength(topic: topic, expected: "at least 1", got: 0))
            }
            return .rawTx(body)
        case .sequence:
            return .sequence(try decodeSequenceBody(body))
        }
    }

    /// Decodes a `sequence` topic body.
    /// - Throws: ``ZMQFrameError`` for a wrong length or unknown label.
    public static func decodeSequenceBody(_ body: [UInt8]) throws(ZMQFrameError) -> ZMQSequenceEvent {
        guard body.count == 33 || body.count == 41 else {
            throw ZMQFrameError(.bodyLength(topic: .sequence, expected: "33 (C, D) or 41 (A, R)", got: body.count))
        }
        let hash = try displayOrderHash(Array(body[0..<32]), topic: .sequence)
        let label = body[32]
        switch (label, body.count) {
        case (UInt8(ascii: "C"), 33):
            return .blockConnected(BlockHash(hash))
        case (UInt8(ascii: "D"), 33):
            return .blockDisconnected(BlockHash(hash))
        case (UInt8(ascii: "A"), 41), (UInt8(ascii: "R"), 41):
            var mempoolSequence: UInt64 = 0
            for i in 0..<8 { mempoolSequence |= UInt64(body[33 + i]) << (8 * i) }
            return label == UInt8(ascii: "A")
                ? .transactionAdded(txid: hash, mempoolSequence: mempoolSequence)
                : .transactionRemoved(txid: hash, mempoolSequence: mempoolSequence)
        case (UInt8(ascii: "C"), _), (UInt8(ascii: "D"), _):
            throw ZMQFrameError(.bodyLength(topic: .sequence, expected: "33 for label C or D", got: body.count))
        case (UInt8(ascii: "A"), _), (UInt8(ascii: "R"), _):
            throw ZMQFrameError(.bodyLength(topic: .sequence, expected: "41 for label A or R", got: body.count))
        default:
            throw ZMQFrameError(.unknownSequenceLabel(label))
        }
    }

    /// A 32-byte hash sent in display order (bitcoind reverses it before sending).
    private static func displayOrderHash(_ bytes: [UInt8], topic: ZMQTopic) throws(ZMQFrameError) -> Hash256 {
        guard bytes.count == 32 else {
            throw ZMQFrameError(.bodyLength(topic: topic, expected: "32", got: bytes.count))
        }
        do {
            return try Hash256(internalBytes: bytes.reversed())
        } catch {
            throw ZMQFrameError(.bodyLength(topic: topic, expected: "32", got: bytes.count))
        }
    }
}

extension ZMQFrameDecoder {
    /// Encodes a message as bitcoind would send it: the inverse of ``decode(_:)``, used by
    /// tests and by simulators that publish like bitcoind.
    /// - Returns: the three frames.
    public static func encode(_ message: ZMQMessage) -> [[UInt8]] {
        let body: [UInt8]
        switch message.notification {
        case .hashBlock(let hash): body = hash.internalBytes.reversed()
        case .hashTx(let txid): body = txid.internalBytes.reversed()
        case .rawBlock(let block): body = block.bytes
        case .rawTx(let tx): body = tx
        case .sequence(let event):
            switch event {
            case .blockConnected(let h): body = h.internalBytes.reversed() + [UInt8(ascii: "C")]
            case .blockDisconnected(let h): body = h.internalBytes.reversed() + [UInt8(ascii: "D")]
            case .transactionAdded(let txid, let seq):
                body = txid.internalBytes.reversed() + [UInt8(ascii: "A")] + le64(seq)
            case .transactionRemoved(let txid, let seq):
                body = txid.internalBytes.reversed() + [UInt8(ascii: "R")] + le64(seq)
            }
        }
        let s = message.sequence
        return [message.topic.frame, body, [UInt8(truncatingIfNeeded: s), UInt8(truncatingIfNeeded: s >> 8),
                                            UInt8(truncatingIfNeeded: s >> 16), UInt8(truncatingIfNeeded: s >> 24)]]
    }

    private static func le64(_ v: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
}
