/// One v1 message with its checksum verified: a command and its undecoded payload.
///
/// Payload decoding is separate (``P2PMessage/decode(command:payload:)``) so that BIP324, which
/// frames the same payloads differently, reuses it.
public struct P2PFrame: Hashable, Sendable {
    public var command: P2PCommand
    public var payload: [UInt8]

    public init(command: P2PCommand, payload: [UInt8]) {
        self.command = command
        self.payload = payload
    }

    /// Frames a message for the v1 transport: header then payload.
    /// - Parameter magic: the network's message start bytes.
    /// - Returns: the bytes to send.
    public func encoded(magic: NetworkMagic) -> [UInt8] {
        var w = ByteWriter(capacity: P2PMessageHeader.size + payload.count)
        P2PMessageHeader(
            magic: magic, command: command, payloadLength: UInt32(truncatingIfNeeded: payload.count),
            checksum: P2PMessageHeader.checksum(of: payload)
        ).write(to: &w)
        w.writeBytes(payload)
        return w.bytes
    }
}

extension P2PMessage {
    /// Encodes the message as a complete v1 frame.
    /// - Parameter magic: the network's message start bytes.
    /// - Returns: header and payload bytes.
    public func v1Encoded(magic: NetworkMagic) -> [UInt8] {
        P2PFrame(command: command, payload: encodePayload()).encoded(magic: magic)
    }
}
