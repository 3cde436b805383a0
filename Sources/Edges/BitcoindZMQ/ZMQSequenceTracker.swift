/// Follows each topic's message counter and says when messages were lost. Pure.
///
/// bitcoind counts per notifier from 0 at its start and adds 1 per message (wrapping at 2^32).
/// The first message seen on a topic sets the baseline (a subscriber that joins late has
/// missed nothing it could have had). A counter that goes backwards means bitcoind restarted;
/// a repeat of the last counter is a duplicate (the same notifier reached over two endpoints).
public struct ZMQSequenceTracker: Sendable {
    /// What one counter value means.
    public enum Verdict: Sendable, Equatable {
        /// The first message on this topic.
        case first
        /// The expected next counter.
        case inOrder
        /// `missed` messages were lost between the last one and this one.
        case gap(expected: UInt32, received: UInt32, missed: UInt32)
        /// The same counter as the previous message: drop it.
        case duplicate
        /// The counter went backwards: the publisher restarted.
        case restarted(previous: UInt32, received: UInt32)
    }

    private var last: [ZMQTopic: UInt32] = [:]

    public init() {}

    /// Records a message's counter.
    /// - Parameters:
    ///   - sequence: the message's 4-byte counter.
    ///   - topic: its topic.
    /// - Returns: what the counter says about lost messages.
    public mutating func record(_ sequence: UInt32, topic: ZMQTopic) -> Verdict {
        guard let previous = last[topic] else {
            last[topic] = sequence
            return .first
        }
        let expected = previous &+ 1
        if sequence == expected {
            last[topic] = sequence
            return .inOrder
        }
        if sequence == previous { return .duplicate }
        last[topic] = sequence
        // Forward distance, modulo 2^32. A jump of more than half the range is read as a
        // restart (the counter went back), not as four billion lost messages.
        let distance = sequence &- expected
        if sequence < previous && distance > UInt32.max / 2 {
            return .restarted(previous: previous, received: sequence)
        }
        return .gap(expected: expected, received: sequence, missed: distance)
    }

    /// Forgets all topics (after a reconnect that may have reached another publisher).
    public mutating func reset() { last.removeAll() }
}
