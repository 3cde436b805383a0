/// Constants and layouts of the altnet Lightning messages (docs/lightning-messages.md).
///
/// ```
/// altnet_message  (type 42001)  body
/// altnet_fragment (type 42003)  message_id u32 | total_length u32 | offset u32 | data
/// body = command_len u8 (1...12) | command (ASCII) | P2P payload
/// ```
/// All integers big-endian, as everywhere in the BOLTs.
public enum AltnetWire {
    /// `altnet_message`: one whole P2P message. Odd ("it's ok to be odd", BOLT 1) and in the
    /// 32768...65535 range BOLT 1 leaves to experiments and bLIP 2 to extensions, so an ordinary
    /// Lightning node ignores it.
    public static let messageType: UInt16 = 42_001
    /// `altnet_fragment`: one piece of a P2P message too large for ``messageType``.
    public static let fragmentType: UInt16 = 42_003

    /// Size of the `altnet_fragment` header: message_id, total_length, offset (3 x u32).
    public static let fragmentHeaderSize = 12
    /// Most data bytes in one fragment: 65,535 - 2 (type) - 12 (header) = 65,521.
    public static let maxFragmentData = LightningMessage.maxPayloadSize - fragmentHeaderSize
    /// Largest body (1-byte length, 12-byte name, 4,000,000-byte payload): 4,000,013 bytes.
    public static let maxBodyLength = 1 + AltnetMessage.maxCommandLength + AltnetMessage.maxPayloadLength

    /// Whether a Lightning message type is one of ours.
    /// - Parameter type: a BOLT 1 message type.
    /// - Returns: true for ``messageType`` and ``fragmentType``.
    public static func isAltnet(type: UInt16) -> Bool {
        type == messageType || type == fragmentType
    }

    /// Size of a message's body: its command prefix and payload.
    static func bodyLength(of message: AltnetMessage) -> Int {
        1 + message.command.utf8.count + message.payload.count
    }

    /// The command prefix of a body: length byte and name.
    static func commandPrefix(of message: AltnetMessage) -> [UInt8] {
        [UInt8(message.command.utf8.count)] + Array(message.command.utf8)
    }

    /// Reads the command prefix at the start of a body.
    /// - Parameter body: the body, or its first fragment's data.
    /// - Returns: the command and the prefix's length (1 + name length).
    /// - Throws: ``AltnetMessageError`` (``AltnetMessageError/Reason/truncated(_:)`` when the
    ///   name does not fit in `body`, ``AltnetMessageError/Reason/invalidCommand(_:)``).
    static func readCommand(_ body: ArraySlice<UInt8>) throws(AltnetMessageError) -> (String, Int) {
        guard let length = body.first else {
            throw AltnetMessageError(.truncated("command_len missing"))
        }
        let nameStart = body.startIndex + 1
        guard body.count >= 1 + Int(length) else {
            throw AltnetMessageError(.truncated(
                "command of \(length) bytes but only \(body.count - 1) bytes follow command_len"))
        }
        let name = body[nameStart..<(nameStart + Int(length))]
        if let problem = AltnetMessage.commandProblem(name) {
            throw AltnetMessageError(.invalidCommand(problem))
        }
        return (String(decoding: name, as: UTF8.self), 1 + Int(length))
    }
}

/// The 12-byte header of an `altnet_fragment`.
struct FragmentHeader: Equatable, Sendable {
    /// Chosen by the sender; unique among its messages in flight.
    var messageID: UInt32
    /// Length of the whole body being fragmented (identical in every fragment).
    var totalLength: UInt32
    /// Where this fragment's data starts in the body.
    var offset: UInt32

    /// Parses the header at the start of a fragment's payload.
    /// - Parameter payload: the Lightning payload of an `altnet_fragment`.
    /// - Throws: ``AltnetMessageError`` with ``AltnetMessageError/Reason/truncated(_:)`` when
    ///   fewer than 12 bytes are present.
    init(parsing payload: [UInt8]) throws(AltnetMessageError) {
        guard payload.count >= AltnetWire.fragmentHeaderSize else {
            throw AltnetMessageError(.truncated(
                "fragment header needs \(AltnetWire.fragmentHeaderSize) bytes, got \(payload.count)"))
        }
        func u32(_ at: Int) -> UInt32 {
            payload[at..<(at + 4)].reduce(0) { $0 << 8 | UInt32($1) }
        }
        self.init(messageID: u32(0), totalLength: u32(4), offset: u32(8))
    }

    init(messageID: UInt32, totalLength: UInt32, offset: UInt32) {
        self.messageID = messageID
        self.totalLength = totalLength
        self.offset = offset
    }

    /// Appends the 12 header bytes.
    func write(to out: inout [UInt8]) {
        for value in [messageID, totalLength, offset] {
            out.append(UInt8(truncatingIfNeeded: value >> 24))
            out.append(UInt8(truncatingIfNeeded: value >> 16))
            out.append(UInt8(truncatingIfNeeded: value >> 8))
            out.append(UInt8(truncatingIfNeeded: value))
        }
    }
}
