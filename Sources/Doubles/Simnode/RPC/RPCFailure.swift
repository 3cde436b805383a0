import JSON

/// A JSON-RPC error as bitcoind reports it: a code from src/rpc/protocol.h and a message.
public struct RPCFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public let code: Int
    public let message: String

    public init(_ code: Int, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "RPC error \(code): \(message)" }

    /// The error object of a reply: {"code":..,"message":..}.
    var json: JSONValue { .object([("code", .int(Int64(code))), ("message", .string(message))]) }

    // Codes from bitcoin/bitcoin src/rpc/protocol.h (RPCErrorCode).
    public static let miscError = -1
    public static let typeError = -3
    public static let invalidAddressOrKey = -5
    public static let invalidParameter = -8
    public static let deserializationError = -22
    public static let verifyError = -25
    public static let verifyRejected = -26
    public static let verifyAlreadyInChain = -27
    public static let inWarmup = -28
    public static let invalidRequest = -32600
    public static let methodNotFound = -32601
    public static let parseError = -32700

    static func typeMismatch(_ value: JSONValue, expected: String) -> RPCFailure {
        RPCFailure(typeError, "JSON value of type \(value.uniValueTypeName) is not of expected type \(expected)")
    }
}
