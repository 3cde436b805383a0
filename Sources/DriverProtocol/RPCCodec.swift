import Foundation

/// Encodes and classifies protocol lines (JSON-RPC 2.0, one object per line). Pure.
public enum RPCCodec {
    /// Classifies one received line.
    /// - Parameter line: the line without its newline.
    /// - Returns: the classified frame.
    /// - Throws: ``DriverProtocolError`` of kind `parse` (not JSON) or `invalidRequest`
    ///   (JSON, but not a JSON-RPC 2.0 request, notification or answer); `id` is attached
    ///   as error data when it could be read, so the receiver can answer it.
    public static func parse(_ line: [UInt8]) throws(DriverProtocolError) -> RPCFrame {
        let head: Head
        do {
            head = try JSONDecoder().decode(Head.self, from: Data(line))
        } catch let error as HeadError {
            throw DriverProtocolError(.invalidRequest, error.reason, data: error.id.map(Self.idValue))
        } catch {
            throw DriverProtocolError(.parse, "line is not a JSON object: \(RPCFrame.describe(error))")
        }
        return RPCFrame(kind: head.kind, bytes: line)
    }

    /// Encodes a request line (newline included).
    /// - Parameters:
    ///   - id: the request id.
    ///   - method: the method name.
    ///   - params: the params object.
    /// - Returns: the line's bytes.
    /// - Throws: ``DriverProtocolError`` of kind `internalError` when `params` cannot be encoded.
    public static func request<P: Encodable>(id: RPCID, method: String, params: P) throws(DriverProtocolError) -> [UInt8] {
        try line(RequestOut(id: id, method: method, params: params))
    }

    /// Encodes a notification line (newline included).
    /// - Throws: ``DriverProtocolError`` of kind `internalError` when `params` cannot be encoded.
    public static func notification<P: Encodable>(method: String, params: P) throws(DriverProtocolError) -> [UInt8] {
        try line(NotificationOut(method: method, params: params))
    }

    /// Encodes a successful answer line (newline included).
    /// - Throws: ``DriverProtocolError`` of kind `internalError` when `result` cannot be encoded.
    public static func result<R: Encodable>(id: RPCID, _ result: R) throws(DriverProtocolError) -> [UInt8] {
        try line(ResultOut(id: id, result: result))
    }

    /// Encodes an error answer line (newline included). Never fails.
    /// - Parameters:
    ///   - id: the id of the request answered, nil when it could not be read.
    ///   - error: the error.
    public static func error(id: RPCID?, _ error: DriverProtocolError) -> [UInt8] {
        (try? line(ErrorOut(id: id, error: error.wire)))
            ?? Array(#"{"jsonrpc":"2.0","id":null,"error":{"code":-32603,"message":"unencodable error"}}"#.utf8) + [0x0A]
    }

    /// Reads the request id an `invalidRequest` error carries, so it can be answered.
    public static func id(of error: DriverProtocolError) -> RPCID? {
        switch error.data {
        case .int(let value): .number(value)
        case .string(let value): .string(value)
        default: nil
        }
    }

    private static func idValue(_ id: RPCID) -> JSONValue {
        switch id {
        case .number(let value): .int(value)
        case .string(let value): .string(value)
        }
    }

    private static func line<T: Encodable>(_ value: T) throws(DriverProtocolError) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        do {
            var bytes = [UInt8](try encoder.encode(value))
            bytes.append(0x0A)
            return bytes
        } catch {
            throw DriverProtocolError(.internalError, "cannot encode message: \(error)")
        }
    }
}

/// Empty params or result: `{}`.
public struct EmptyObject: Codable, Sendable, Hashable {
    public init() {}
}

private struct RequestOut<P: Encodable>: Encodable {
    let jsonrpc = "2.0"
    let id: RPCID
    let method: String
    let params: P
}

private struct NotificationOut<P: Encodable>: Encodable {
    let jsonrpc = "2.0"
    let method: String
    let params: P
}

private struct ResultOut<R: Encodable>: Encodable {
    let jsonrpc = "2.0"
    let id: RPCID
    let result: R
}

private struct ErrorOut: Encodable {
    let jsonrpc = "2.0"
    let id: RPCID?
    let error: RPCErrorObject

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(jsonrpc, forKey: .jsonrpc)
        if let id { try container.encode(id, forKey: .id) } else { try container.encodeNil(forKey: .id) }
        try container.encode(error, forKey: .error)
    }

    enum CodingKeys: String, CodingKey { case jsonrpc, id, error }
}

/// A JSON object that is not a valid JSON-RPC message; carries the id when one was readable.
private struct HeadError: Error {
    let reason: String
    let id: RPCID?
}

/// The envelope fields of any message; params and result are skipped here and decoded later.
private struct Head: Decodable {
    let kind: RPCFrame.Kind

    enum CodingKeys: String, CodingKey { case jsonrpc, id, method, result, error, params }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let id: RPCID?
        if container.contains(.id), !(try container.decodeNil(forKey: .id)) {
            guard let value = try? container.decode(RPCID.self, forKey: .id) else {
                throw HeadError(reason: "\"id\" must be a number or a string", id: nil)
            }
            id = value
        } else {
            id = nil
        }
        guard (try? container.decode(String.self, forKey: .jsonrpc)) == "2.0" else {
            throw HeadError(reason: "\"jsonrpc\" must be \"2.0\"", id: id)
        }
        if container.contains(.method) {
            guard let method = try? container.decode(String.self, forKey: .method), !method.isEmpty else {
                throw HeadError(reason: "\"method\" must be a non-empty string", id: id)
            }
            if container.contains(.params), (try? container.decode([String: JSONSkip].self, forKey: .params)) == nil {
                throw HeadError(reason: "\"params\" must be an object", id: id)
            }
            if let id {
                kind = .request(id: id, method: method)
            } else if container.contains(.id) {
                throw HeadError(reason: "a request id must not be null", id: nil)
            } else {
                kind = .notification(method: method)
            }
            return
        }
        let hasResult = container.contains(.result)
        let hasError = container.contains(.error)
        guard hasResult != hasError else {
            throw HeadError(reason: "a message needs \"method\", or exactly one of \"result\" and \"error\"", id: id)
        }
        if hasError {
            guard let wire = try? container.decode(RPCErrorObject.self, forKey: .error) else {
                throw HeadError(reason: "\"error\" must be an object with integer \"code\" and string \"message\"", id: id)
            }
            kind = .error(id: id, DriverProtocolError(wire: wire))
        } else {
            guard let id else { throw HeadError(reason: "a result needs an id", id: nil) }
            kind = .result(id: id)
        }
    }
}

/// Decodes any JSON value without keeping it (used to check `params` is an object).
private struct JSONSkip: Decodable {
    init(from decoder: any Decoder) throws {}
}
