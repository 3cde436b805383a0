import Foundation

/// bitcoind's JSON-RPC endpoint rules (src/httprpc.cpp, src/rpc/request.cpp), without I/O:
/// a request body in, an HTTP status and reply body out.
///
/// - Legacy requests (JSON-RPC 1.0, no `"jsonrpc":"2.0"`): replies carry `result`, `error` and
///   `id`; an error sets HTTP 500, except RPC_INVALID_REQUEST (400) and RPC_METHOD_NOT_FOUND (404).
/// - JSON-RPC 2.0 requests (v28 and later): HTTP 200 with either `result` or `error`; a
///   notification (no `id`) gets 204 and no body.
/// - A batch (JSON array) gets 200 and an array of replies, errors inside.
/// - Unparsable JSON: -32700 "Parse error" (500); a top level that is neither object nor array:
///   -32700 "Top-level object parse error".
public enum JSONRPCEndpoint {
    /// The outcome of one HTTP request: status, and a body (nil for 204).
    public struct Reply: Sendable, Equatable {
        public let status: Int
        public let body: String?
    }

    /// Handles one request body.
    /// - Parameters:
    ///   - body: the HTTP request body.
    ///   - execute: runs one method: (method, params) to a result or an ``RPCFailure``.
    /// - Returns: the HTTP status and body.
    public static func handle(
        body: Data, execute: (String, JSONValue) async -> Result<JSONValue, RPCFailure>
    ) async -> Reply {
        guard let request = try? JSONValue.parse(body) else {
            return legacyError(RPCFailure(RPCFailure.parseError, "Parse error"), id: .null)
        }
        switch request {
        case .object:
            let (reply, isV2, isNotification, failure) = await one(request, execute: execute)
            if isV2 { return isNotification ? Reply(status: 204, body: nil) : Reply(status: 200, body: reply.serialized + "\n") }
            if let failure { return Reply(status: httpStatus(failure.code), body: reply.serialized + "\n") }
            return Reply(status: 200, body: reply.serialized + "\n")
        case .array(let items):
            var replies: [JSONValue] = []
            for item in items {
                let (reply, isV2, isNotification, _) = await one(item, execute: execute)
                if !(isV2 && isNotification) { replies.append(reply) }
            }
            return Reply(status: 200, body: JSONValue.array(replies).serialized + "\n")
        default:
            return legacyError(RPCFailure(RPCFailure.parseError, "Top-level object parse error"), id: .null)
        }
    }

    static func httpStatus(_ code: Int) -> Int {
        switch code {
        case RPCFailure.invalidRequest: return 400
        case RPCFailure.methodNotFound: return 404
        default: return 500
        }
    }

    static func legacyError(_ failure: RPCFailure, id: JSONValue) -> Reply {
        let body = JSONValue.object([("result", .null), ("error", failure.json), ("id", id)])
        return Reply(status: httpStatus(failure.code), body: body.serialized + "\n")
    }

    /// Parses and runs one request object (JSONRPCRequest::parse rules).
    static func one(
        _ request: JSONValue, execute: (String, JSONValue) async -> Result<JSONValue, RPCFailure>
    ) async -> (reply: JSONValue, isV2: Bool, isNotification: Bool, failure: RPCFailure?) {
        let id = request["id"] ?? .null
        let isV2 = request["jsonrpc"] == .string("2.0")
        let isNotification = request["id"] == nil
        func reply(_ result: Result<JSONValue, RPCFailure>) -> (JSONValue, Bool, Bool, RPCFailure?) {
            switch result {
            case .success(let value):
                let body: JSONValue = isV2
                    ? .object([("jsonrpc", .string("2.0")), ("result", value), ("id", id)])
                    : .object([("result", value), ("error", .null), ("id", id)])
                return (body, isV2, isNotification, nil)
            case .failure(let failure):
                let body: JSONValue = isV2
                    ? .object([("jsonrpc", .string("2.0")), ("error", failure.json), ("id", id)])
                    : .object([("result", .null), ("error", failure.json), ("id", id)])
                return (body, isV2, isNotification, failure)
            }
        }
        guard case .object = request else {
            return reply(.failure(RPCFailure(RPCFailure.invalidRequest, "Invalid Request object")))
        }
        guard let methodValue = request["method"], !methodValue.isNull else {
            return reply(.failure(RPCFailure(RPCFailure.invalidRequest, "Missing method")))
        }
        guard case .string(let method) = methodValue else {
            return reply(.failure(RPCFailure(RPCFailure.invalidRequest, "Method must be a string")))
        }
        let params = request["params"] ?? .null
        switch params {
        case .null, .array, .object: break
        default: return reply(.failure(RPCFailure(RPCFailure.invalidRequest, "Params must be an array or object")))
        }
        return reply(await execute(method, params))
    }
}
