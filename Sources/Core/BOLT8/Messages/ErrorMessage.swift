import BitcoinPrimitives

/// BOLT 1 `error` (type 17) and `warning` (type 1): same layout, different consequences.
public struct ErrorMessage: Equatable, Sendable {
    /// All zeros: the message concerns the connection, not one channel.
    public var channelID: [UInt8]
    /// Free-form data, usually ASCII.
    public var data: [UInt8]

    /// - Parameters:
    ///   - channelID: 32 bytes; all zeros for "all channels".
    ///   - data: the explanation.
    public init(channelID: [UInt8] = [UInt8](repeating: 0, count: 32), data: [UInt8]) {
        self.channelID = channelID
        self.data = data
    }

    /// `data` as text, for logs (invalid UTF-8 replaced).
    public var text: String { String(decoding: data, as: UTF8.self) }

    init(reading reader: inout ByteReader) throws(LightningMessageError) {
        channelID = try reader.readField(32, "channel_id")
        data = try reader.readU16Prefixed("data")
    }

    func write(to writer: inout ByteWriter) throws(LightningMessageError) {
        guard channelID.count == 32 else { throw .invalidField("channel_id must be 32 bytes") }
        guard data.count <= 65_535 else { throw .messageTooLarge(data.count) }
        writer.writeBytes(channelID)
        writer.writeBE(UInt16(data.count))
        writer.writeBytes(data)
    }
}
