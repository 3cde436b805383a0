import DriverProtocol
import Foundation
import JSON

/// The control protocol's JSON-RPC, as bitcoind speaks it: a request `{"jsonrpc":"1.0","id":..,
/// "method":..,"params":[..] or {..}}`, a reply `{"result":..,"error":null|{"code","message"},"id":..}`.
public enum ControlRPC {
    /// Error codes (bitcoind's src/rpc/protocol.h where one fits).
    public enum Code {
        public static let parseError = -32700
        public static let invalidRequest = -32600
        public static let methodNotFound = -32601
        /// RPC_MISC_ERROR
        public static let misc = -1
        /// RPC_INVALID_PARAMETER
        public static let invalidParameter = -8
        /// RPC_DESERIALIZATION_ERROR (a transaction that does not parse)
        public static let deserialization = -22
        /// RPC_IN_WARMUP-like: a component (bitcoind, AltLogic) is not reachable now.
        public static let unavailable = -28
    }

    /// A request.
    public struct Request: Codable, Sendable {
        public var jsonrpc: String?
        public var id: JSONValue?
        public var method: String
        public var params: JSONValue?

        public init(id: JSONValue? = .int(1), method: String, params: JSONValue? = nil) {
            self.jsonrpc = "1.0"
            self.id = id
            self.method = method
            self.params = params
        }
    }

    /// An error object.
    public struct ErrorObject: Codable, Sendable, Error, Equatable {
        public var code: Int
        public var message: String

        public init(code: Int, message: String) {
            self.code = code
            self.message = message
        }
    }

    /// A reply: exactly one of result and error is non-null.
    public struct Reply: Codable, Sendable {
        public var result: JSONValue
        public var error: ErrorObject?
        public var id: JSONValue

        public init(result: JSONValue = .null, error: ErrorObject? = nil, id: JSONValue) {
            self.result = result
            self.error = error
            self.id = id
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(result, forKey: .result)
            if let error { try container.encode(error, forKey: .error) } else { try container.encodeNil(forKey: .error) }
            try container.encode(id, forKey: .id)
        }
    }

    /// Converts any Encodable value to a ``JSONValue`` (results are built from typed structs).
    /// - Throws: the encoder's error.
    public static func json<T: Encodable>(_ value: T) throws -> JSONValue {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return try JSONValue.parse(try encoder.encode(value))
    }
}

extension JSONValue {
    /// The named parameter, or the positional one at `position`, from `params`.
    public func parameter(_ name: String, position: Int) -> JSONValue? {
        switch self {
        case .object(let fields): fields[name]
        case .array(let values): position < values.count ? values[position] : nil
        default: nil
        }
    }
}
