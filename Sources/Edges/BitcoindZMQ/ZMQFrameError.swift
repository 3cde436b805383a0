/// Why a multipart ZMQ message could not be decoded as a bitcoind notification.
///
/// The subscriber reports these as ``ZMQEvent/malformed(_:)`` and carries on: one bad message
/// never ends the feed.
public struct ZMQFrameError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        /// bitcoind always sends three frames: topic, body, sequence.
        case frameCount(Int)
        /// The first frame is not a topic this decoder knows (first bytes shown, escaped).
        case unknownTopic(String)
        /// The body's length does not fit the topic.
        case bodyLength(topic: ZMQTopic, expected: String, got: Int)
        /// The sequence frame is not exactly 4 bytes.
        case sequenceLength(Int)
        /// A `sequence` body carried a label other than C, D, A or R.
        case unknownSequenceLabel(UInt8)
        /// A `rawblock` body whose first 80 bytes do not parse as a header.
        case badBlockHeader(String)
    }

    public let reason: Reason

    public init(_ reason: Reason) { self.reason = reason }

    public var description: String {
        switch reason {
        case .frameCount(let n):
            return "ZMQ message has \(n) frames; bitcoind sends 3 (topic, body, sequence)"
        case .unknownTopic(let t):
            return "ZMQ message has unknown topic \"\(t)\""
        case .bodyLength(let topic, let expected, let got):
            return "ZMQ \(topic) body is \(got) bytes; expected \(expected)"
        case .sequenceLength(let n):
            return "ZMQ sequence frame is \(n) bytes; expected 4 (little-endian uint32)"
        case .unknownSequenceLabel(let b):
            return "ZMQ sequence body has unknown label 0x\(String(b, radix: 16))"
        case .badBlockHeader(let why):
            return "ZMQ rawblock body has no valid header: \(why)"
        }
    }
}
