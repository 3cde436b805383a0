/// The 24-byte v1 message header: magic, command, payload length, checksum.
///
/// ```
/// offset  size  field
///      0     4  network magic
///      4    12  command, ASCII, NUL padded
///     16     4  payload length, little endian
///     20     4  checksum: first 4 bytes of sha256d(payload), read as little endian
/// ```
public struct P2PMessageHeader: Hashable, Sendable {
    public static let size = 24

    public var magic: NetworkMagic
    public var command: P2PCommand
    public var payloadLength: UInt32
    /// The first four bytes of sha256d(payload), as a little-endian integer.
    public var checksum: UInt32

    public init(magic: NetworkMagic, command: P2PCommand, payloadLength: UInt32, checksum: UInt32) {
        self.magic = magic
        self.command = command
        self.payloadLength = payloadLength
        self.checksum = checksum
    }

    /// The checksum of a payload: its sha256d's first four bytes, little endian.
    public static func checksum<C: Collection>(of payload: C) -> UInt32 where C.Element == UInt8 {
        let d = Hashes.sha256d(Array(payload))
        return UInt32(d[0]) | UInt32(d[1]) << 8 | UInt32(d[2]) << 16 | UInt32(d[3]) << 24
    }

    public func write(to w: inout ByteWriter) {
        w.writeBytes(magic.wireBytes)
        w.writeBytes(command.wireField)
        w.writeLE(payloadLength)
        w.writeLE(checksum)
    }
}
