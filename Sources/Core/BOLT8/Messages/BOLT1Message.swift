import BitcoinPrimitives

/// BOLT 1 message types handled here.
public enum MessageType {
    public static let warning: UInt16 = 1
    public static let `init`: UInt16 = 16
    public static let error: UInt16 = 17
    public static let ping: UInt16 = 18
    public static let pong: UInt16 = 19
    /// BOLT 1: types 32768 to 65535 are for custom (experimental, application) messages.
    public static let customRange: ClosedRange<UInt16> = 32768...65535

    /// What to do with a message type (BOLT 1, "it's ok to be odd").
    public enum Disposition: Equatable, Sendable {
        /// A BOLT 1 message decoded here.
        case known
        /// A custom type the application said it understands.
        case custom
        /// Unknown and odd: ignore the message.
        case ignore
        /// Unknown and even: the peer requires it; fail the connection.
        case failConnection
    }

    /// Classifies a type for a node that understands `understoodCustomTypes` besides BOLT 1's.
    public static func disposition(of type: UInt16, understoodCustomTypes: Set<UInt16>) -> Disposition {
        switch type {
        case warning, `init`, error, ping, pong: return .known
        case _ where understoodCustomTypes.contains(type): return .custom
        case _ where type % 2 == 1: return .ignore
        default: return .failConnection
        }
    }
}

/// A decoded BOLT 1 message (the payload of one BOLT 8 transport message).
public enum BOLT1Message: Equatable, Sendable {
    case initMessage(InitMessage)
    case error(ErrorMessage)
    case warning(ErrorMessage)
    case ping(Ping)
    case pong(Pong)
    /// A custom message (type ≥ 32768) the application understands; payload after the type.
    case custom(type: UInt16, payload: [UInt8])
    /// An unknown odd type, to be ignored.
    case ignored(type: UInt16)

    /// The 2-byte message type.
    public var type: UInt16 {
        switch self {
        case .initMessage: return MessageType.`init`
        case .error: return MessageType.error
        case .warning: return MessageType.warning
        case .ping: return MessageType.ping
        case .pong: return MessageType.pong
        case .custom(let type, _), .ignored(let type): return type
        }
    }

    /// Decodes one message.
    ///
    /// Bytes after the fields a message defines are ignored (BOLT 1: they are reserved for
    /// extensions), except in `init`, whose tail is its TLV stream.
    /// - Parameters:
    ///   - bytes: type and payload, as delivered by the transport.
    ///   - understoodCustomTypes: custom types to return as ``custom(type:payload:)``.
    /// - Returns: the message; unknown odd types come back as ``ignored(type:)``.
    /// - Throws: ``LightningMessageError``; ``LightningMessageError/unknownEvenType(_:)`` for an
    ///   unknown even type.
    public static func decode(
        _ bytes: [UInt8], understoodCustomTypes: Set<UInt16> = []
    ) throws(LightningMessageError) -> BOLT1Message {
        guard bytes.count >= 2 else { throw .missingType }
        let type = UInt16(bytes[0]) << 8 | UInt16(bytes[1])
        var reader = ByteReader(bytes[2...])
        switch MessageType.disposition(of: type, understoodCustomTypes: understoodCustomTypes) {
        case .failConnection: throw .unknownEvenType(type)
        case .ignore: return .ignored(type: type)
        case .custom: return .custom(type: type, payload: Array(bytes[2...]))
        case .known: break
        }
        switch type {
        case MessageType.`init`: return .initMessage(try InitMessage(reading: &reader))
        case MessageType.error: return .error(try ErrorMessage(reading: &reader))
        case MessageType.warning: return .warning(try ErrorMessage(reading: &reader))
        case MessageType.ping: return .ping(try Ping(reading: &reader))
        default: return .pong(try Pong(reading: &reader))
        }
    }

    /// Type and payload, ready for ``BOLT8Transport/encrypt(_:)``.
    /// - Throws: ``LightningMessageError/messageTooLarge(_:)`` above 65,535 bytes.
    public func encoded() throws(LightningMessageError) -> [UInt8] {
        var writer = ByteWriter()
        writer.writeBE(type)
        switch self {
        case .initMessage(let m): m.write(to: &writer)
        case .error(let m), .warning(let m): try m.write(to: &writer)
        case .ping(let m): try m.write(to: &writer)
        case .pong(let m): try m.write(to: &writer)
        case .custom(_, let payload): writer.writeBytes(payload)
        case .ignored: break
        }
        guard writer.bytes.count <= 65_535 else { throw .messageTooLarge(writer.bytes.count) }
        return writer.bytes
    }
}
