/// One Lightning message as BOLT 1 defines it: a 2-byte big-endian type and its payload.
///
/// This module never sees the BOLT 8 transport: the driver decrypts a message and hands over its
/// type and payload, and sends what ``AltnetEncoder`` produces the same way.
public struct LightningMessage: Hashable, Sendable, CustomStringConvertible {
    /// The BOLT 1 message type.
    public var type: UInt16
    /// The payload, everything after the type.
    public var payload: [UInt8]

    /// - Parameters:
    ///   - type: the BOLT 1 message type.
    ///   - payload: the bytes after the type.
    public init(type: UInt16, payload: [UInt8]) {
        self.type = type
        self.payload = payload
    }

    /// Size inside one BOLT 8 frame: the 2-byte type plus the payload.
    public var wireSize: Int { 2 + payload.count }

    public var description: String { "type \(type) (\(payload.count) bytes)" }
}

extension LightningMessage {
    /// Largest Lightning message, type included: BOLT 8 carries a message's length in 2 bytes,
    /// so "the maximum size of any Lightning message MUST NOT exceed 65535 bytes".
    public static let maxWireSize = 65_535
    /// Largest payload: ``maxWireSize`` less the 2-byte type.
    public static let maxPayloadSize = maxWireSize - 2
}
