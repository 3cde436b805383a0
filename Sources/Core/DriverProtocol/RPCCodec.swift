import Foundation
import JSON

/// Encodes and classifies protocol lines (JSON-RPC 2.0, one object per line). Pure.
public enum RPCCodec {
    /// Classifies one received line.
    /// - Parameter line: the line without its newline.
    /// - Returns: the classified frame.
    /// - Throws: ``DriverProtocolError`` of kind `parse` (not JSON) or `invalidRequest`
    ///   (JSON, but not a JSON-RPC 2.0 request, notification or answer); `id` is attached
    ///   as error data when it could be read, so the receiver can answer it.
    public static func parse(_ line: [UInt8]) throws(DriverProtocolError) -> RPCFrame {
        let members: JSONScanner.Members
        do {
            members = try line.withUnsafeBytes { raw in
                Result { () throws(JSONScanner.Malformed) in try JSONScanner.object(of: raw, maxDepth: DriverProtocolLimits.maxDepth) }
            }.get()
        } catch {
            throw DriverProtocolError(.parse, "line is not a JSON object (stopped at byte \(error.offset))")
        }
        func invalid(_ reason: String, _ id: RPCID?) -> DriverProtocolError {
            DriverProtocolError(.invalidRequest, reason, data: id.map(idValue))
        }
        var id: RPCID?
        var idIsNull = false
        if let range = members.id {
            let slice = line[range]
            if slice.elementsEqual("null".utf8) {
                idIsNull = true
            } else if slice.first == 0x22, let text = string(slice) {
                id = .string(text)
            } else if let number = Int64(String(decoding: slice, as: UTF8.self)) {
                id = .number(number)
            } else {
                throw invalid("\"id\" must be a number or a string", nil)
            }
        }
        guard let version = members.jsonrpc, line[version].elementsEqual(#""2.0""#.utf8) else {
            throw invalid("\"jsonrpc\" must be \"2.0\"", id)
        }
        if let range = members.method {
            guard let method = string(line[range]), !method.isEmpty else {
                throw invalid("\"method\" must be a non-empty string", id)
            }
            if let params = members.params, line[params].first != 0x7B {
                throw invalid("\"params\" must be an object", id)
            }
            if let id {
                return RPCFrame(kind: .request(id: id, method: method), bytes: line, member: members.params)
            }
            guard !idIsNull else { throw invalid("a request id must not be null", nil) }
            return RPCFrame(kind: .notification(method: method), bytes: line, member: members.params)
        }
        guard (members.result != nil) != (members.error != nil) else {
            throw invalid("a message needs \"method\", or exactly one of \"result\" and \"error\"", id)
        }
        if let range = members.error {
            guard let wire = try? JSONDecoder().decode(RPCErrorObject.self, from: Data(line[range])) else {
                throw invalid("\"error\" must be an object with integer \"code\" and string \"message\"", id)
            }
            return RPCFrame(kind: .error(id: id, DriverProtocolError(wire: wire)), bytes: line, member: nil)
        }
        guard let id else { throw invalid("a result needs an id", nil) }
        return RPCFrame(kind: .result(id: id), bytes: line, member: members.result)
    }

    /// A JSON string token's value (quotes included in `token`), or nil when it is not a string.
    private static func string(_ token: ArraySlice<UInt8>) -> String? {
        guard token.count >= 2, token.first == 0x22, token.last == 0x22 else { return nil }
        let inner = token.dropFirst().dropLast()
        if !inner.contains(0x5C) { return String(decoding: inner, as: UTF8.self) }
        return (try? JSONValue.parse(Array(token)))?.stringValue
    }

    /// Encodes a request (a line with its newline, or a binary frame).
    /// - Parameters:
    ///   - id: the request id.
    ///   - method: the method name.
    ///   - params: the params object.
    ///   - framing: JSON line (the default) or ``BinaryFrame``.
    /// - Returns: the message's bytes.
    /// - Throws: ``DriverProtocolError`` of kind `internalError` when `params` cannot be encoded.
    public static func request<P: Encodable>(
        id: RPCID, method: String, params: P, framing: DriverFraming = .json
    ) throws(DriverProtocolError) -> [UInt8] {
        try message(RequestOut(id: id, method: method, params: params), framing)
    }

    /// Encodes a notification (a line with its newline, or a binary frame).
    /// - Throws: ``DriverProtocolError`` of kind `internalError` when `params` cannot be encoded.
    public static func notification<P: Encodable>(method: String, params: P, framing: DriverFraming = .json) throws(DriverProtocolError) -> [UInt8] {
        try message(NotificationOut(method: method, params: params), framing)
    }

    /// Encodes a successful answer (a line with its newline, or a binary frame).
    /// - Throws: ``DriverProtocolError`` of kind `internalError` when `result` cannot be encoded.
    public static func result<R: Encodable>(id: RPCID, _ result: R, framing: DriverFraming = .json) throws(DriverProtocolError) -> [UInt8] {
        try message(ResultOut(id: id, result: result), framing)
    }

    /// Encodes an error answer (a line with its newline, or a binary frame). Never fails.
    /// - Parameters:
    ///   - id: the id of the request answered, nil when it could not be read.
    ///   - error: the error.
    ///   - framing: JSON line (the default) or ``BinaryFrame``.
    public static func error(id: RPCID?, _ error: DriverProtocolError, framing: DriverFraming = .json) -> [UInt8] {
        (try? message(ErrorOut(id: id, error: error.wire), framing))
            ?? Array(#"{"jsonrpc":"2.0","id":null,"error":{"code":-32603,"message":"unencodable error"}}"#.utf8) + [0x0A]
    }

    /// Classifies one binary frame: its header as a line, its payload section kept beside it.
    /// - Parameter body: the frame's body (``DriverFrameDecoder/Event/frame(_:)``).
    /// - Returns: the classified frame; its params or result read their payloads from the section.
    /// - Throws: ``DriverProtocolError`` as ``parse(_:)``; `parse` when the header length does not fit.
    public static func parse(frame body: [UInt8]) throws(DriverProtocolError) -> RPCFrame {
        let (header, payloads) = try BinaryFrame.split(body)
        let frame = try parse(Array(body[header]))
        return RPCFrame(kind: frame.kind, bytes: frame.bytes, member: frame.member, payloads: body[payloads])
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

    private static func message<T: Encodable>(_ value: T, _ framing: DriverFraming) throws(DriverProtocolError) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        do {
            switch framing {
            case .json:
                var bytes = [UInt8](try encoder.encode(value))
                bytes.append(0x0A)
                return bytes
            case .binary:
                let sink = PayloadSink()
                encoder.userInfo[PayloadSink.key] = sink
                let header = [UInt8](try encoder.encode(value))
                return BinaryFrame.encode(header: header, payloads: sink.bytes)
            }
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

