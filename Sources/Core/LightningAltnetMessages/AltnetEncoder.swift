/// Turns P2P messages into Lightning messages: one `altnet_message` when the body fits in 65,533
/// bytes, otherwise `altnet_fragment`s in increasing offset order, each at most 65,535 bytes.
///
/// One encoder per connection: it numbers fragmented messages 0, 1, 2, ... (wrapping), so ids
/// stay unique among the messages in flight. Send a message's fragments in the order returned;
/// fragments of different messages may be interleaved.
public struct AltnetEncoder: Sendable {
    /// The id the next fragmented message gets.
    public private(set) var nextMessageID: UInt32
    /// Data bytes per fragment (the last may hold fewer).
    public let fragmentDataSize: Int

    /// - Parameters:
    ///   - firstMessageID: the id of the first fragmented message.
    ///   - fragmentDataSize: data bytes per fragment, clamped to 13...``AltnetWire/maxFragmentData``
    ///     (13 so a first fragment always holds the longest command prefix). Smaller sizes are
    ///     for tests; the default fills every Lightning message to 65,535 bytes.
    public init(firstMessageID: UInt32 = 0, fragmentDataSize: Int = AltnetWire.maxFragmentData) {
        self.nextMessageID = firstMessageID
        self.fragmentDataSize = min(max(fragmentDataSize, 1 + AltnetMessage.maxCommandLength),
                                    AltnetWire.maxFragmentData)
    }

    /// Encodes one P2P message.
    /// - Parameter message: the message (already validated by ``AltnetMessage/init(command:payload:)``).
    /// - Returns: one `altnet_message`, or the `altnet_fragment`s of the message in order.
    public mutating func encode(_ message: AltnetMessage) -> [LightningMessage] {
        let bodyLength = AltnetWire.bodyLength(of: message)
        if bodyLength <= LightningMessage.maxPayloadSize {
            var body = AltnetWire.commandPrefix(of: message)
            body.append(contentsOf: message.payload)
            return [LightningMessage(type: AltnetWire.messageType, payload: body)]
        }
        let id = nextMessageID
        nextMessageID &+= 1
        return Self.fragments(of: message, messageID: id, fragmentDataSize: fragmentDataSize)
    }

    /// Splits a message into fragments, whatever its size.
    /// - Parameters:
    ///   - message: the message.
    ///   - messageID: the id written in every fragment.
    ///   - fragmentDataSize: data bytes per fragment, 13...``AltnetWire/maxFragmentData``.
    /// - Returns: the fragments in increasing offset order.
    static func fragments(of message: AltnetMessage, messageID: UInt32,
                          fragmentDataSize: Int) -> [LightningMessage] {
        let prefix = AltnetWire.commandPrefix(of: message)
        let total = prefix.count + message.payload.count
        var out: [LightningMessage] = []
        out.reserveCapacity((total + fragmentDataSize - 1) / fragmentDataSize)
        var offset = 0
        while offset < total {
            let end = min(offset + fragmentDataSize, total)
            var payload: [UInt8] = []
            payload.reserveCapacity(AltnetWire.fragmentHeaderSize + end - offset)
            FragmentHeader(messageID: messageID, totalLength: UInt32(total), offset: UInt32(offset))
                .write(to: &payload)
            // Body bytes [offset, end): the prefix first, then the payload.
            if offset < prefix.count {
                payload.append(contentsOf: prefix[offset..<min(end, prefix.count)])
            }
            if end > prefix.count {
                let from = max(offset, prefix.count) - prefix.count
                payload.append(contentsOf: message.payload[from..<(end - prefix.count)])
            }
            out.append(LightningMessage(type: AltnetWire.fragmentType, payload: payload))
            offset = end
        }
        return out
    }
}
