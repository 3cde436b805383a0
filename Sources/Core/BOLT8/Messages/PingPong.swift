import BitcoinPrimitives

/// BOLT 1 `ping` (type 18): asks for a pong of `numPongBytes` ignored bytes; carries its own.
public struct Ping: Equatable, Sendable {
    /// BOLT 1: a pong is only sent when `num_pong_bytes` is below 65532 (larger ones cannot fit
    /// a pong into a 65,535-byte message, and serve as "no reply wanted").
    public static let pongLimit: UInt16 = 65532

    public var numPongBytes: UInt16
    /// Padding the receiver ignores (BOLT 1: should be zeros).
    public var ignored: [UInt8]

    public init(numPongBytes: UInt16, ignoredLength: Int = 0) {
        self.numPongBytes = numPongBytes
        self.ignored = [UInt8](repeating: 0, count: ignoredLength)
    }

    /// The pong to answer with, or nil when the rule says not to answer.
    public var response: Pong? {
        numPongBytes < Self.pongLimit ? Pong(length: Int(numPongBytes)) : nil
    }

    init(reading reader: inout ByteReader) throws(LightningMessageError) {
        numPongBytes = try reader.readU16("num_pong_bytes")
        ignored = try reader.readU16Prefixed("ping ignored")
    }

    func write(to writer: inout ByteWriter) throws(LightningMessageError) {
        guard ignored.count <= 65_531 else { throw .messageTooLarge(ignored.count + 6) }
        writer.writeBE(numPongBytes)
        writer.writeBE(UInt16(ignored.count))
        writer.writeBytes(ignored)
    }
}

/// BOLT 1 `pong` (type 19): `byteslen` ignored bytes.
public struct Pong: Equatable, Sendable {
    public var ignored: [UInt8]

    /// A pong of `length` zero bytes.
    public init(length: Int) { ignored = [UInt8](repeating: 0, count: length) }

    init(reading reader: inout ByteReader) throws(LightningMessageError) {
        ignored = try reader.readU16Prefixed("pong ignored")
    }

    func write(to writer: inout ByteWriter) throws(LightningMessageError) {
        guard ignored.count <= 65_531 else { throw .messageTooLarge(ignored.count + 4) }
        writer.writeBE(UInt16(ignored.count))
        writer.writeBytes(ignored)
    }
}
