import BitcoinPrimitives

/// Why a BOLT 1 message could not be accepted. The caller's action follows from the case:
/// ``unknownEvenType(_:)`` and ``unknownEvenTLV(_:)`` mean "fail the connection" (BOLT 1, "it's
/// ok to be odd"); the rest mean the peer sent malformed bytes (also fail the connection).
public enum LightningMessageError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A message shorter than its 2-byte type.
    case missingType
    /// A field ran past the end of the message.
    case truncated(field: String, needed: Int, available: Int)
    /// An unknown even message type: the peer requires something we do not understand.
    case unknownEvenType(UInt16)
    /// An unknown even TLV type in a TLV stream.
    case unknownEvenTLV(UInt64)
    /// TLV types must strictly increase.
    case tlvNotIncreasing(previous: UInt64, next: UInt64)
    /// A TLV record's length runs past the end of the stream.
    case tlvLengthExceedsStream(type: UInt64, length: UInt64, available: Int)
    /// A BigSize not in its shortest form.
    case nonMinimalBigSize
    /// A field with a value the message does not allow.
    case invalidField(String)
    /// A message to encode is longer than 65,535 bytes.
    case messageTooLarge(Int)

    public var description: String {
        switch self {
        case .missingType: return "lightning message shorter than its 2-byte type"
        case .truncated(let field, let needed, let available):
            return "lightning message truncated in \(field): needed \(needed) bytes, \(available) left"
        case .unknownEvenType(let t): return "unknown even message type \(t): failing the connection"
        case .unknownEvenTLV(let t): return "unknown even TLV type \(t): failing the connection"
        case .tlvNotIncreasing(let p, let n): return "TLV type \(n) follows \(p): types must increase"
        case .tlvLengthExceedsStream(let t, let l, let a):
            return "TLV type \(t) claims \(l) bytes, only \(a) left"
        case .nonMinimalBigSize: return "BigSize not minimally encoded"
        case .invalidField(let what): return "invalid field: \(what)"
        case .messageTooLarge(let n): return "message of \(n) bytes exceeds 65535"
        }
    }

    /// Wraps a ``ByteReader`` failure, naming the field being read.
    static func from(_ error: DecodingError, field: String) -> LightningMessageError {
        if case .truncated(let needed, let available) = error.kind {
            return .truncated(field: field, needed: needed, available: available)
        }
        return .invalidField("\(field): \(error)")
    }
}

extension ByteReader {
    /// Reads a big-endian u16 (BOLT 1's `u16`), naming the field on failure.
    mutating func readU16(_ field: String) throws(LightningMessageError) -> UInt16 {
        do { return try readBE(UInt16.self) } catch { throw .from(error, field: field) }
    }

    /// Reads `count` bytes, naming the field on failure.
    mutating func readField(_ count: Int, _ field: String) throws(LightningMessageError) -> [UInt8] {
        do { return try readArray(count) } catch { throw .from(error, field: field) }
    }

    /// Reads a `u16` length then that many bytes.
    mutating func readU16Prefixed(_ field: String) throws(LightningMessageError) -> [UInt8] {
        let n = try readU16("\(field) length")
        return try readField(Int(n), field)
    }
}
