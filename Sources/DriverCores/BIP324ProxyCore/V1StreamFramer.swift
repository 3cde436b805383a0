import BitcoinPrimitives
import Foundation

/// The proxy's v1 framing, sans I/O and without copies where it can: whole frames in the bytes
/// just read are handed over where they lie; only a frame split across reads is gathered, once,
/// in a buffer kept for the next one. Each frame's checksum is computed once, over the bytes in
/// place, to check it (the proxy passes v1 frames on unchanged or re-frames them as BIP324).
///
/// Follows Bitcoin Core's v1 rules as ``V1FrameDecoder`` does: a bad checksum or an invalid
/// command drops that message (reported, the stream goes on); wrong magic or a length over
/// ``P2PLimits/maxPayloadLength`` (checked as soon as the header is complete, before its payload
/// is buffered) ends the stream.
struct V1StreamFramer {
    /// One complete frame, lent to the caller's closure.
    struct Frame {
        let command: P2PCommand
        /// The 24-byte header followed by the payload.
        let bytes: UnsafeRawBufferPointer
        var payload: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: bytes[P2PMessageHeader.size...]) }
    }

    let magic: NetworkMagic
    /// Bytes of a frame split across reads (a header, or a header and part of its payload).
    private var partial: [UInt8] = []
    private var failed = false
    /// Messages dropped for a bad checksum or command.
    private(set) var dropped = 0

    /// Largest gathering buffer kept between frames (a 4 MB message's is freed).
    static let partialCapacityKept = 1 << 22

    init(magic: NetworkMagic) { self.magic = magic }

    /// Feeds bytes just read; calls `deliver` with each frame they complete, in order.
    /// - Throws: ``ProxyError`` for a fatal framing error, or what `deliver` throws.
    mutating func feed(
        _ bytes: UnsafeRawBufferPointer, _ deliver: (Frame) throws(ProxyError) -> Void
    ) throws(ProxyError) {
        guard !failed else { throw ProxyError("v1 stream already failed") }
        let magic = self.magic
        var input = bytes
        if !partial.isEmpty {
            // Complete the header, then the payload, from the new bytes.
            if partial.count < P2PMessageHeader.size {
                let take = min(P2PMessageHeader.size - partial.count, input.count)
                append(UnsafeRawBufferPointer(rebasing: input[..<take]))
                input = UnsafeRawBufferPointer(rebasing: input[take...])
                guard partial.count == P2PMessageHeader.size else { return }
            }
            let length = try checkHeader(partial.withUnsafeBytes { Self.parseHeader($0, magic: magic) })
            let need = P2PMessageHeader.size + length
            partial.reserveCapacity(need)
            let take = min(need - partial.count, input.count)
            append(UnsafeRawBufferPointer(rebasing: input[..<take]))
            input = UnsafeRawBufferPointer(rebasing: input[take...])
            guard partial.count == need else { return }
            var frame: [UInt8] = []
            swap(&frame, &partial)
            defer {
                frame.removeAll(keepingCapacity: frame.capacity <= Self.partialCapacityKept)
                swap(&frame, &partial)
            }
            try frame.withUnsafeBytes { raw in Self.carry { () throws(ProxyError) in try check(raw, deliver) } }.get()
        }
        // Whole frames straight from the read buffer.
        while input.count >= P2PMessageHeader.size {
            let need = P2PMessageHeader.size + (try checkHeader(Self.parseHeader(input, magic: magic)))
            guard input.count >= need else { break }
            try check(UnsafeRawBufferPointer(rebasing: input[..<need]), deliver)
            input = UnsafeRawBufferPointer(rebasing: input[need...])
        }
        append(input)
    }

    private mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty else { return }
        partial.append(contentsOf: UnsafeBufferPointer(start: bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), count: bytes.count))
    }

    /// A header's verdict; a fatal one stops the stream.
    private mutating func checkHeader(_ parsed: Result<Int, ProxyError>) throws(ProxyError) -> Int {
        switch parsed {
        case .success(let length): return length
        case .failure(let error):
            fail()
            throw error
        }
    }

    /// Checks a complete header's magic and length.
    /// - Returns: the payload length, or why the stream cannot go on.
    static func parseHeader(_ header: UnsafeRawBufferPointer, magic: NetworkMagic) -> Result<Int, ProxyError> {
        let got = NetworkMagic(header[0], header[1], header[2], header[3])
        guard got == magic else {
            return .failure(ProxyError("wrong network magic \(Hex.encode([header[0], header[1], header[2], header[3]])), expected \(Hex.encode(magic.wireBytes))"))
        }
        let length = le32(header, 16)
        guard Int(length) <= P2PLimits.maxPayloadLength else {
            return .failure(ProxyError("payload length \(length) exceeds the limit of \(P2PLimits.maxPayloadLength) bytes"))
        }
        return .success(Int(length))
    }

    /// Checks a complete frame's command and checksum; delivers it, or counts it dropped.
    private mutating func check(_ bytes: UnsafeRawBufferPointer, _ deliver: (Frame) throws(ProxyError) -> Void) throws(ProxyError) {
        guard let command = try? P2PCommand(wireField: UnsafeRawBufferPointer(rebasing: bytes[4..<16])) else {
            dropped += 1
            return
        }
        let payload = UnsafeRawBufferPointer(rebasing: bytes[P2PMessageHeader.size...])
        guard Self.checksum(payload) == Self.le32(bytes, 20) else {
            dropped += 1
            return
        }
        try deliver(Frame(command: command, bytes: bytes))
    }

    private mutating func fail() {
        failed = true
        partial = []
    }

    /// The v1 checksum, hashed where the payload lies.
    static func checksum(_ payload: UnsafeRawBufferPointer) -> UInt32 {
        let digest = Hashes.sha256d(payload)
        return UInt32(digest[0]) | UInt32(digest[1]) << 8 | UInt32(digest[2]) << 16 | UInt32(digest[3]) << 24
    }

    /// A v1 header for `payload`, its checksum computed once, here.
    static func header(magic: NetworkMagic, command: P2PCommand, payload: UnsafeRawBufferPointer) -> [UInt8] {
        var w = ByteWriter(capacity: P2PMessageHeader.size)
        P2PMessageHeader(
            magic: magic, command: command, payloadLength: UInt32(truncatingIfNeeded: payload.count), checksum: checksum(payload)
        ).write(to: &w)
        return w.bytes
    }

    /// `body`'s typed error as a Result: the standard library's `withUnsafeBytes` only rethrows
    /// untyped errors.
    private static func carry<T>(_ body: () throws(ProxyError) -> T) -> Result<T, ProxyError> {
        do throws(ProxyError) {
            return .success(try body())
        } catch {
            return .failure(error)
        }
    }

    private static func le32(_ b: UnsafeRawBufferPointer, _ i: Int) -> UInt32 {
        UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
    }
}
