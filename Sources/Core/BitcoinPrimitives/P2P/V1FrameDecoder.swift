/// A sans-I/O streaming decoder for the v1 P2P transport: feed it bytes in any chunking, take
/// checked frames out. Feeding one byte at a time yields exactly what feeding everything at once
/// yields.
///
/// ```
///            24 bytes buffered                 payloadLength bytes buffered
///  ┌────────┐ magic ok, length <= limit ┌─────────┐ command ok, checksum ok ┌────────┐
///  │ header │ ────────────────────────► │ payload │ ──────────────────────► │ frame  │──┐
///  └────────┘                           └─────────┘                          └────────┘  │
///     ▲  │ wrong magic / oversized            │ bad checksum / bad command:           │
///     │  ▼                                    │ error thrown, message dropped         │
///  ┌────────┐                                 ▼                                      │
///  │ failed │ (every later call throws)   back to header ◄──────────────────────────┘
///  └────────┘
/// ```
///
/// The payload length is checked against ``P2PLimits/maxPayloadLength`` as soon as the header is
/// complete, so an oversized message fails before its payload arrives.
public struct V1FrameDecoder: Sendable {
    private enum State: Sendable {
        case header
        case payload(command: Result<P2PCommand, DecodingError>, length: Int, checksum: UInt32)
        case failed
    }

    public let magic: NetworkMagic
    public let maxPayloadLength: Int

    private var buffer: [UInt8] = []
    private var head = 0
    private var state: State = .header
    /// Stream offset of the first byte of the message being decoded.
    private var messageStart = 0
    /// Stream offset of `buffer[head]`.
    private var consumed = 0

    /// - Parameters:
    ///   - magic: the network's message start; any other is a fatal error.
    ///   - maxPayloadLength: at most ``P2PLimits/maxPayloadLength`` (larger values are clamped).
    public init(magic: NetworkMagic, maxPayloadLength: Int = P2PLimits.maxPayloadLength) {
        self.magic = magic
        self.maxPayloadLength = max(0, min(maxPayloadLength, P2PLimits.maxPayloadLength))
    }

    /// Bytes buffered and not yet parsed (a complete header is parsed at once, so while a
    /// payload is awaited this counts only its bytes).
    public var bufferedByteCount: Int { buffer.count - head }

    /// Appends received bytes. Nothing is decoded until ``nextFrame()``. After a fatal error
    /// bytes are discarded, so a stopped decoder holds no memory.
    public mutating func feed<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        if case .failed = state { return }
        if head > 0, head >= buffer.count / 2 {
            buffer.removeFirst(head)
            head = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// Returns the next complete frame, or nil if more bytes are needed.
    /// - Throws: ``P2PFramingError``. After a non-fatal error (``P2PFramingError/isFatal`` false)
    ///   the message is dropped and decoding can continue; after a fatal one every call throws.
    public mutating func nextFrame() throws(P2PFramingError) -> P2PFrame? {
        while true {
            switch state {
            case .failed:
                throw P2PFramingError(.decoderFailed, streamOffset: messageStart)
            case .header:
                guard bufferedByteCount >= P2PMessageHeader.size else { return nil }
                try readHeader()
            case .payload(let command, let length, let expected):
                guard bufferedByteCount >= length else { return nil }
                let payload = Array(buffer[head..<head + length])
                advance(length)
                state = .header
                let start = messageStart
                messageStart = consumed
                let name: P2PCommand
                switch command {
                case .success(let c): name = c
                case .failure(let e): throw P2PFramingError(.invalidCommand(e), streamOffset: start)
                }
                let computed = P2PMessageHeader.checksum(of: payload)
                guard computed == expected else {
                    throw P2PFramingError(
                        .badChecksum(command: name, expected: expected, computed: computed), streamOffset: start)
                }
                return P2PFrame(command: name, payload: payload)
            }
        }
    }

    /// Feeds bytes and returns every frame they complete.
    /// - Throws: the first ``P2PFramingError``; frames decoded before it are lost to the caller,
    ///   so use ``feed(_:)`` and ``nextFrame()`` to keep going after non-fatal errors.
    public mutating func decode<C: Collection>(_ bytes: C) throws(P2PFramingError) -> [P2PFrame]
    where C.Element == UInt8 {
        feed(bytes)
        var frames: [P2PFrame] = []
        while let f = try nextFrame() { frames.append(f) }
        return frames
    }

    private mutating func readHeader() throws(P2PFramingError) {
        let b = buffer
        let h = head
        let got = NetworkMagic(b[h], b[h + 1], b[h + 2], b[h + 3])
        guard got == magic else {
            fail()
            throw P2PFramingError(.wrongMagic(expected: magic, got: got), streamOffset: messageStart)
        }
        let command = Result { () throws(DecodingError) -> P2PCommand in
            try P2PCommand(wireField: b[(h + 4)..<(h + 16)])
        }
        let length = Self.le32(b, h + 16)
        let checksum = Self.le32(b, h + 20)
        guard Int(length) <= maxPayloadLength else {
            fail()
            throw P2PFramingError(.oversizedPayload(length: length, limit: maxPayloadLength), streamOffset: messageStart)
        }
        advance(P2PMessageHeader.size)
        state = .payload(command: command, length: Int(length), checksum: checksum)
    }

    private mutating func fail() {
        state = .failed
        buffer = []
        head = 0
    }

    private mutating func advance(_ n: Int) {
        head += n
        consumed += n
        if head == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            head = 0
        }
    }

    private static func le32(_ b: [UInt8], _ i: Int) -> UInt32 {
        UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
    }
}
