/// One message of the binary framing (docs/driver-protocol.md, "Binary framing"). Pure.
///
/// ```
///  0x00 | N: u32 big-endian | H: u32 big-endian | header: H bytes | payloads: N - 4 - H bytes
///         \_________________________ N bytes (at most DriverProtocolLimits.maxLineBytes) _____/
/// ```
/// The header is the JSON-RPC 2.0 object the JSON line would be, except that each P2P message
/// carries `"payload_bin": [offset, length]` (a range of the payload section) in place of its
/// hex `"payload"`. The marker byte 0x00 never starts a JSON line, so a receiver tells frames and
/// lines apart by the first byte (``DriverFrameDecoder``).
public enum BinaryFrame {
    /// The first byte of every frame.
    public static let marker: UInt8 = 0x00
    /// Marker and length: the bytes before the body.
    public static let prefixBytes = 5

    /// Builds a whole frame.
    /// - Parameters:
    ///   - header: the JSON header.
    ///   - payloads: the payload section.
    /// - Returns: the frame's bytes, prefix included.
    public static func encode(header: [UInt8], payloads: [UInt8]) -> [UInt8] {
        let body = 4 + header.count + payloads.count
        var out: [UInt8] = []
        out.reserveCapacity(prefixBytes + body)
        out.append(marker)
        appendU32(&out, body)
        appendU32(&out, header.count)
        out.append(contentsOf: header)
        out.append(contentsOf: payloads)
        return out
    }

    /// Splits a frame's body (what follows the prefix) into its header and payload section.
    /// - Parameter body: the body, as ``DriverFrameDecoder`` returns it.
    /// - Returns: the header's and the payload section's ranges in `body`.
    /// - Throws: ``DriverProtocolError`` of kind `parse` when the header length does not fit.
    public static func split(_ body: [UInt8]) throws(DriverProtocolError) -> (header: Range<Int>, payloads: Range<Int>) {
        guard body.count >= 4 else {
            throw DriverProtocolError(.parse, "binary frame of \(body.count) bytes has no header length")
        }
        let headerCount = Int(body[0]) << 24 | Int(body[1]) << 16 | Int(body[2]) << 8 | Int(body[3])
        guard headerCount <= body.count - 4 else {
            throw DriverProtocolError(.parse, "binary frame header of \(headerCount) bytes exceeds the frame's \(body.count - 4)")
        }
        return (4..<(4 + headerCount), (4 + headerCount)..<body.count)
    }

    private static func appendU32(_ out: inout [UInt8], _ value: Int) {
        out.append(UInt8(truncatingIfNeeded: value >> 24))
        out.append(UInt8(truncatingIfNeeded: value >> 16))
        out.append(UInt8(truncatingIfNeeded: value >> 8))
        out.append(UInt8(truncatingIfNeeded: value))
    }
}
