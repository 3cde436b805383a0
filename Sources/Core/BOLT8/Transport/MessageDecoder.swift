import Foundation

/// The receiving half of a BOLT 8 transport: feed it bytes in any chunking, take whole messages.
///
/// ```
///  awaitingLength ──(18 bytes: length tag ok)──► awaitingBody(L)
///        ▲                                             │
///        └──────────(L + 16 bytes: body tag ok)────────┘ yields the message
///  either ──(tag fails)──► failed (every later call throws the same error)
/// ```
/// Nothing is allocated from an unauthenticated length: the length is only believed after its
/// tag verifies, and it is at most 65,535 by construction. Buffered input only grows with bytes
/// the peer actually sent. Feeding one byte at a time yields exactly the same messages.
public struct MessageDecoder: Sendable {
    /// Encrypted length (2) plus its tag (16).
    static let lengthPacketSize = 18
    static let tagSize = 16

    var cipher: TransportCipher
    private var inbox: [UInt8] = []
    private var readIndex = 0
    /// Set once a length prefix has been authenticated and its body is awaited.
    private var bodyLength: Int?
    private var failure: BOLT8Error?

    init(cipher: TransportCipher) {
        self.cipher = cipher
    }

    /// Bytes received but not yet returned as messages.
    public var bufferedByteCount: Int { inbox.count - readIndex }

    /// Buffers bytes from the peer.
    public mutating func feed<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        if readIndex == inbox.count, readIndex > 0 {
            inbox.removeAll(keepingCapacity: true)
            readIndex = 0
        }
        // Bulk copy when the bytes are contiguous (arrays, slices, Data); an unspecialised
        // generic append would copy them one at a time.
        let copied: Void? = bytes.withContiguousStorageIfAvailable { inbox.append(contentsOf: $0) }
        if copied == nil { inbox.append(contentsOf: bytes) }
    }

    /// Decrypts the next whole message, if it has fully arrived.
    /// - Returns: the message, or nil when more bytes are needed.
    /// - Throws: ``BOLT8Error/badLengthTag`` or ``BOLT8Error/badMessageTag``; the decoder then
    ///   stays failed.
    public mutating func nextMessage() throws(BOLT8Error) -> [UInt8]? {
        if let failure { throw failure }
        let length: Int
        if let pending = bodyLength {
            length = pending
        } else {
            guard bufferedByteCount >= Self.lengthPacketSize else { return nil }
            let end = readIndex + Self.lengthPacketSize
            guard let plain = cipher.open(inbox[readIndex..<end]), plain.count == 2 else {
                return try fail(.badLengthTag)
            }
            length = Int(plain[plain.startIndex]) << 8 | Int(plain[plain.startIndex + 1])
            readIndex = end
            bodyLength = length
        }
        guard bufferedByteCount >= length + Self.tagSize else { return nil }
        let end = readIndex + length + Self.tagSize
        guard let body = cipher.open(inbox[readIndex..<end]) else { return try fail(.badMessageTag) }
        readIndex = end
        bodyLength = nil
        compact()
        return [UInt8](unsafeUninitializedCapacity: body.count) { buffer, count in
            count = body.copyBytes(to: buffer)
        }
    }

    /// Marks the end of the peer's input.
    /// - Throws: ``BOLT8Error/truncatedMessage(received:needed:)`` if a message was cut short.
    public func endOfInput() throws(BOLT8Error) {
        if let failure { throw failure }
        let buffered = bufferedByteCount
        if let length = bodyLength {
            throw .truncatedMessage(received: buffered, needed: length + Self.tagSize)
        }
        if buffered > 0 { throw .truncatedMessage(received: buffered, needed: Self.lengthPacketSize) }
    }

    private mutating func fail(_ error: BOLT8Error) throws(BOLT8Error) -> [UInt8]? {
        failure = error
        inbox = []
        readIndex = 0
        throw error
    }

    /// Drops consumed bytes once they dominate the buffer, keeping its capacity.
    private mutating func compact() {
        if readIndex == inbox.count {
            inbox.removeAll(keepingCapacity: true)
            readIndex = 0
        } else if readIndex >= 1 << 16, readIndex * 2 >= inbox.count {
            inbox.removeSubrange(0..<readIndex)
            readIndex = 0
        }
    }
}
