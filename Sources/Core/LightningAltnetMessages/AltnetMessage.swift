/// A Bitcoin P2P message carried over Lightning: its command name and raw payload.
///
/// The payload is opaque here (the P2P codecs in BitcoinPrimitives decode it); this module only
/// moves bytes, so it has no dependencies and any valid command name can travel.
public struct AltnetMessage: Hashable, Sendable, CustomStringConvertible {
    /// The P2P command name, 1 to 12 printable ASCII characters ("headers", "block", ...).
    public let command: String
    /// The P2P payload, as it would follow a v1 message header.
    public let payload: [UInt8]

    /// The seven commands the altnet driver exchanges (`inv` only as the acknowledgement of a
    /// `tx`); ``AltnetReassembler`` accepts only these unless configured otherwise.
    public static let altnetCommands: Set<String> = [
        "getheaders", "headers", "getdata", "block", "tx", "notfound", "inv",
    ]

    /// Largest payload: Bitcoin Core's `MAX_PROTOCOL_MESSAGE_LENGTH` (src/net.h, 4 * 1000 * 1000).
    public static let maxPayloadLength = 4_000_000
    /// Longest command name (the v1 header's 12-byte command field).
    public static let maxCommandLength = 12

    /// Validates and wraps a P2P message.
    /// - Parameters:
    ///   - command: 1 to 12 printable ASCII characters (0x20...0x7e), as Bitcoin Core's
    ///     `CMessageHeader::IsCommandValid` accepts, the empty name excepted.
    ///   - payload: the P2P payload; at most ``maxPayloadLength`` bytes.
    /// - Throws: ``AltnetEncodingError`` for an invalid name or an oversized payload.
    public init(command: String, payload: [UInt8]) throws(AltnetEncodingError) {
        if let problem = Self.commandProblem(Array(command.utf8)) {
            throw .invalidCommand(problem)
        }
        guard payload.count <= Self.maxPayloadLength else {
            throw .payloadTooLarge(length: payload.count, limit: Self.maxPayloadLength)
        }
        self.command = command
        self.payload = payload
    }

    /// For names already checked by ``commandProblem(_:)`` and payloads already bounded.
    init(validatedCommand command: String, payload: [UInt8]) {
        self.command = command
        self.payload = payload
    }

    /// Why a command name is invalid, or nil when it is valid.
    /// - Parameter bytes: the name's bytes.
    /// - Returns: a reason, or nil.
    static func commandProblem<C: Collection>(_ bytes: C) -> String? where C.Element == UInt8 {
        guard !bytes.isEmpty, bytes.count <= maxCommandLength else {
            return "command name must be 1 to \(maxCommandLength) bytes, got \(bytes.count)"
        }
        if let bad = bytes.first(where: { !(0x20...0x7e).contains($0) }) {
            return "command name byte \(bad) is not printable ASCII"
        }
        return nil
    }

    public var description: String { "\(command) (\(payload.count) bytes)" }
}

/// Why ``AltnetMessage`` refused a message we were about to send.
public enum AltnetEncodingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The command name is empty, longer than 12 bytes or not printable ASCII.
    case invalidCommand(String)
    /// The payload is larger than any receiver will reassemble.
    case payloadTooLarge(length: Int, limit: Int)

    public var description: String {
        switch self {
        case .invalidCommand(let why): return "invalid command: \(why)"
        case .payloadTooLarge(let length, let limit):
            return "payload of \(length) bytes exceeds the limit of \(limit)"
        }
    }
}
