import Foundation
import JSON

/// bitcoind's JSON-RPC endpoint rules (src/httprpc.cpp HTTPReq_JSONRPC, src/rpc/request.cpp
/// JSONRPCRequest::parse and JSONRPCReplyObj), without I/O: a request body in, an HTTP status
/// and reply body out, for the Core release given (``CoreVersion``).
///
/// v26 and v27 (JSON-RPC 1.0 only, "jsonrpc" ignored):
/// - replies carry `result`, `error` and `id` (null when the request had none); an error sets
///   HTTP 500, except RPC_INVALID_REQUEST (400) and RPC_METHOD_NOT_FOUND (404).
/// - a batch (JSON array) gets 200 and an array of replies, errors inside.
///
/// v28 (2.0 when asked, PR #27101):
/// - `"jsonrpc":"2.0"`: HTTP 200 with `jsonrpc`, either `result` or `error`, and `id`; a
///   notification (no `id`) is executed and gets 204 without a body, even when it fails.
/// - `"jsonrpc":"1.0"` or none: as v26, but a request without `id` gets a reply without `id`.
/// - a `jsonrpc` that is not a string, or another version: -32600 ("jsonrpc field must be a
///   string", "JSON-RPC version not supported"), HTTP 400; errors found while reading the
///   request (missing method, ...) keep their HTTP status even for 2.0.
/// - a batch: 200 with replies of each item's version, notifications left out; 204 when a
///   non-empty batch had only notifications. An item that is not an object is answered with the
///   id and version of the item before it (Core reuses one JSONRPCRequest for the batch).
///
/// Both: unparsable JSON is -32700 "Parse error" (500, `id` null); a top level that is neither
/// object nor array is -32700 "Top-level object parse error".
public enum JSONRPCEndpoint {
    /// The outcome of one HTTP request: status, and a body (nil for 204).
    public struct Reply: Sendable, Equatable {
        public let status: Int
        public let body: String?
    }

    /// Handles one request body.
    /// - Parameters:
    ///   - body: the HTTP request body.
    ///   - version: the Core release whose rules apply.
    ///   - execute: runs one method: (method, params) to a result or an ``RPCFailure``.
    /// - Returns: the HTTP status and body.
    public static func handle(
        body: Data, version: CoreVersion, execute: (String, JSONValue) async -> Result<JSONValue, RPCFailure>
    ) async -> Reply {
        guard let request = try? JSONValue.parse(body, limits: JSONLimits(maxBytes: body.count, maxDepth: JSONValue.bitcoindMaxDepth)) else {
            return legacyError(RPCFailure(RPCFailure.parseError, "Parse error"), id: .null)
        }
        switch request {
        case .object:
            let outcome = await one(request, version: version, carried: Carried(), execute: execute)
            // A notification is not answered, unless reading it failed (JSONErrorReply).
            if outcome.notification && !outcome.duringParse { return Reply(status: 204, body: nil) }
            let body = outcome.reply.text(.bitcoind) + "\n"
            // Errors raised while reading the request, and every error of a 1.0 request, set
            // the HTTP status (JSONErrorReply); a 2.0 request's execution errors do not.
            if let failure = outcome.failure, !outcome.isV2 || outcome.duringParse {
                return Reply(status: httpStatus(failure.code), body: body)
            }
            return Reply(status: 200, body: body)
        case .array(let items):
            var replies: [JSONValue] = []
            var carried = Carried()
            for item in items {
                let outcome = await one(item, version: version, carried: carried, execute: execute)
                carried = outcome.carried
                if !outcome.notification { replies.append(outcome.reply) }
            }
            if version.speaksJSONRPC2, replies.isEmpty, !items.isEmpty { return Reply(status: 204, body: nil) }
            return Reply(status: 200, body: JSONValue.array(replies).text(.bitcoind) + "\n")
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
        return Reply(status: httpStatus(failure.code), body: body.text(.bitcoind) + "\n")
    }

    /// The id (nil: absent) and version of the request read last, as Core's JSONRPCRequest
    /// keeps them between batch items.
    struct Carried {
        var id: JSONValue? = .null
        var isV2 = false
    }

    struct Outcome {
        let reply: JSONValue
        let isV2: Bool
        /// A 2.0 request without id: executed, never answered.
        let notification: Bool
        let failure: RPCFailure?
        /// The failure came from reading the request, not from running the method.
        let duringParse: Bool
        let carried: Carried
    }

    /// Reads and runs one request object (JSONRPCRequest::parse, then the method).
    static func one(
        _ request: JSONValue, version: CoreVersion, carried: Carried,
        execute: (String, JSONValue) async -> Result<JSONValue, RPCFailure>
    ) async -> Outcome {
        var id = carried.id
        var isV2 = carried.isV2
        func reply(_ result: Result<JSONValue, RPCFailure>, duringParse: Bool) -> Outcome {
            // v26/v27 always print "id" (null when absent); v28 leaves an absent id out.
            let idMember: [(String, JSONValue)] =
                version.speaksJSONRPC2 ? (id.map { [("id", $0)] } ?? []) : [("id", id ?? .null)]
            var members: [(String, JSONValue)] = isV2 ? [("jsonrpc", .string("2.0"))] : []
            let failure: RPCFailure?
            switch result {
            case .success(let value):
                members.append(("result", value))
                if !isV2 { members.append(("error", .null)) }
                failure = nil
            case .failure(let f):
                if !isV2 { members.append(("result", .null)) }
                members.append(("error", f.json))
                failure = f
            }
            let body = JSONValue.object(members + idMember)
            return Outcome(
                reply: body, isV2: isV2, notification: isV2 && id == nil, failure: failure, duringParse: duringParse,
                carried: Carried(id: id, isV2: isV2))
        }
        func invalid(_ message: String) -> Outcome {
            reply(.failure(RPCFailure(RPCFailure.invalidRequest, message)), duringParse: true)
        }
        guard case .object = request else {
            // v26/v27 parse each batch item with a fresh request (id null); v28 reuses one.
            if !version.speaksJSONRPC2 { id = .null }
            return invalid("Invalid Request object")
        }
        id = version.speaksJSONRPC2 ? request["id"] : (request["id"] ?? .null)
        isV2 = false
        if version.speaksJSONRPC2, let field = request["jsonrpc"], !field.isNull {
            guard case .string(let value) = field else { return invalid("jsonrpc field must be a string") }
            switch value {
            case "1.0": break
            case "2.0": isV2 = true
            default: return invalid("JSON-RPC version not supported")
            }
        }
        guard let methodValue = request["method"], !methodValue.isNull else { return invalid("Missing method") }
        guard case .string(let method) = methodValue else { return invalid("Method must be a string") }
        let params = request["params"] ?? .null
        switch params {
        case .null, .array, .object: break
        default: return invalid("Params must be an array or object")
        }
        return reply(await execute(method, params), duringParse: false)
    }
}
