/// Why the v1 framing layer refused bytes from a peer.
///
/// Some errors spoil only one message (the stream is still in sync and the decoder carries on,
/// as Bitcoin Core drops the message and keeps the peer); others leave no way to find the next
/// message, and the decoder refuses everything after them. ``isFatal`` tells which.
public struct P2PFramingError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: Equatable, Sendable {
        /// The first four bytes were not the expected network magic. Fatal.
        case wrongMagic(expected: NetworkMagic, got: NetworkMagic)
        /// The 12-byte command field was malformed. The message is dropped (its payload length
        /// was valid, so the stream stays in sync), as Core does.
        case invalidCommand(DecodingError)
        /// The declared payload length exceeds ``P2PLimits/maxPayloadLength``. Fatal, and raised
        /// as soon as the 24-byte header is read, before any of the payload is buffered.
        case oversizedPayload(length: UInt32, limit: Int)
        /// The payload did not match the header's checksum. The message is dropped; the stream
        /// stays in sync.
        case badChecksum(command: P2PCommand, expected: UInt32, computed: UInt32)
        /// An earlier fatal error stopped the decoder.
        case decoderFailed
    }

    public let kind: Kind
    /// Offset of the message's first byte in the whole stream fed to the decoder.
    public let streamOffset: Int

    public init(_ kind: Kind, streamOffset: Int) {
        self.kind = kind
        self.streamOffset = streamOffset
    }

    /// True when the stream cannot continue: the caller should disconnect.
    public var isFatal: Bool {
        switch kind {
        case .badChecksum, .invalidCommand: return false
        case .wrongMagic, .oversizedPayload, .decoderFailed: return true
        }
    }

    public var description: String {
        switch kind {
        case .wrongMagic(let expected, let got):
            return "message at stream offset \(streamOffset) starts with magic \(got), expected \(expected)"
        case .invalidCommand(let e):
            return "message at stream offset \(streamOffset) has an invalid command: \(e)"
        case .oversizedPayload(let length, let limit):
            return "message at stream offset \(streamOffset) declares a \(length)-byte payload, limit \(limit)"
        case .badChecksum(let command, let expected, let computed):
            return "'\(command)' message at stream offset \(streamOffset) has checksum "
                + "\(String(expected, radix: 16)), computed \(String(computed, radix: 16)): dropped"
        case .decoderFailed:
            return "decoder stopped by an earlier fatal error"
        }
    }
}
