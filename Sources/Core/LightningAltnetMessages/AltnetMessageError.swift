/// Why the reassembler refused an altnet message from a peer, and what the driver should do.
///
/// ``action`` is the whole contract with the driver: ``Action/disconnect`` for a peer that broke
/// the format (the reassembler has already released everything and refuses further input), and
/// ``Action/dropMessage`` for one message given up while the link stays (nothing of it is held).
public struct AltnetMessageError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What the driver should do.
    public enum Action: Equatable, Sendable {
        /// Protocol violation: log the reason, close the link (BOLT 1 `warning` first if wanted).
        case disconnect
        /// The message is lost but the link is fine: log a warning and carry on.
        case dropMessage
    }

    /// What went wrong.
    public enum Reason: Equatable, Sendable {
        // Protocol violations (disconnect).
        /// A message or fragment header is shorter than its layout.
        case truncated(String)
        /// The command name is empty, longer than 12 bytes or not printable ASCII.
        case invalidCommand(String)
        /// A fragment without data bytes.
        case emptyFragment
        /// `total_length` above the limit, refused at the first fragment before anything is held.
        case messageTooLarge(totalLength: Int, limit: Int)
        /// `total_length` does not agree with the message's first fragment.
        case totalLengthChanged(was: Int, now: Int)
        /// A fragment reaching past `total_length`.
        case outOfRange(offset: Int, length: Int, totalLength: Int)
        /// A fragment at an offset already received (a duplicate or an overlap), including a
        /// second first fragment for a message id in flight.
        case duplicateFragment(offset: Int, expected: Int)
        /// A fragment after a gap: fragments of one message must arrive in order.
        case fragmentGap(offset: Int, expected: Int)
        /// A continuation fragment for a message id never started.
        case unknownMessage(offset: Int)
        /// Input after an earlier protocol violation.
        case reassemblerFailed

        // One message dropped, link kept (dropMessage).
        /// A command the receiver does not take (see ``AltnetReassemblyLimits/acceptedCommands``).
        case commandNotAccepted(String)
        /// The sender already has ``AltnetReassemblyLimits/maxMessagesInFlight`` partial messages.
        case tooManyInFlight(limit: Int)
        /// Admitting the message would reserve more than ``AltnetReassemblyLimits/maxBufferedBytes``.
        case bufferFull(reserved: Int, requested: Int, limit: Int)
        /// The message was not complete by its deadline (reported by `expire(now:)`).
        case expired(command: String, received: Int, totalLength: Int)
    }

    /// What went wrong.
    public let reason: Reason
    /// The fragmented message concerned, when there is one.
    public let messageID: UInt32?

    /// - Parameters:
    ///   - reason: what went wrong.
    ///   - messageID: the fragment stream's id, if any.
    public init(_ reason: Reason, messageID: UInt32? = nil) {
        self.reason = reason
        self.messageID = messageID
    }

    /// What the driver should do about it.
    public var action: Action {
        switch reason {
        case .truncated, .invalidCommand, .emptyFragment, .messageTooLarge, .totalLengthChanged,
             .outOfRange, .duplicateFragment, .fragmentGap, .unknownMessage, .reassemblerFailed:
            return .disconnect
        case .commandNotAccepted, .tooManyInFlight, .bufferFull, .expired:
            return .dropMessage
        }
    }

    public var description: String {
        let id = messageID.map { "message \($0): " } ?? ""
        let what: String
        switch reason {
        case .truncated(let why): what = "truncated: \(why)"
        case .invalidCommand(let why): what = "invalid command: \(why)"
        case .emptyFragment: what = "fragment carries no data"
        case .messageTooLarge(let total, let limit):
            what = "total_length \(total) exceeds the limit of \(limit)"
        case .totalLengthChanged(let was, let now): what = "total_length changed from \(was) to \(now)"
        case .outOfRange(let offset, let length, let total):
            what = "fragment at \(offset) of \(length) bytes reaches past total_length \(total)"
        case .duplicateFragment(let offset, let expected):
            what = "duplicate or overlapping fragment at \(offset), expected \(expected)"
        case .fragmentGap(let offset, let expected):
            what = "fragment at \(offset) leaves a gap, expected \(expected)"
        case .unknownMessage(let offset): what = "fragment at \(offset) of a message never started"
        case .reassemblerFailed: what = "input after an earlier protocol violation"
        case .commandNotAccepted(let command): what = "command \"\(command)\" not accepted, dropped"
        case .tooManyInFlight(let limit): what = "more than \(limit) messages in flight, dropped"
        case .bufferFull(let reserved, let requested, let limit):
            what = "\(requested) bytes requested with \(reserved) reserved exceeds \(limit), dropped"
        case .expired(let command, let received, let total):
            what = "\(command) incomplete at its deadline (\(received) of \(total) bytes), dropped"
        }
        let verdict = action == .disconnect ? " (protocol violation)" : ""
        return id + what + verdict
    }
}
