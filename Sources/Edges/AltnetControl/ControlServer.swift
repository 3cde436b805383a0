import DriverProtocol
import Foundation
import HTTPService
import JSON
import Logging
import NIOHTTP1

/// The control socket's request handling: bitcoind-style cookie auth, then JSON-RPC.
///
/// Answers 401 with an empty body for a missing or wrong cookie (compared in constant time),
/// 405 for anything but POST, and JSON-RPC replies otherwise: HTTP 200 with a result, 404 for an
/// unknown method and 500 for other errors, as bitcoind's JSON-RPC 1.0 does.
public struct ControlServer: Sendable {
    /// Answers one method call: the result, or a JSON-RPC error.
    public typealias Dispatch = @Sendable (_ method: String, _ params: JSONValue) async -> Result<JSONValue, ControlRPC.ErrorObject>

    public let cookie: CookieFile
    let dispatch: Dispatch
    let logger: Logger

    public init(cookie: CookieFile, logger: Logger, dispatch: @escaping Dispatch) {
        self.cookie = cookie
        self.logger = logger
        self.dispatch = dispatch
    }

    /// Handles one HTTP request.
    /// - Parameter request: from the control socket's `HTTPServer`.
    /// - Returns: the response.
    public func handle(_ request: HTTPRequest) async -> HTTPResponse {
        guard cookie.accepts(authorization: request.headers.first(name: "Authorization")) else {
            logger.warning("control: refused a request with a missing or wrong cookie")
            return HTTPResponse(status: .unauthorized)
        }
        guard request.method == .POST else { return HTTPResponse(status: .methodNotAllowed) }
        let parsed: ControlRPC.Request
        do {
            parsed = try JSONDecoder().decode(ControlRPC.Request.self, from: Data(request.body))
        } catch {
            return reply(ControlRPC.Reply(error: .init(code: ControlRPC.Code.parseError, message: "Parse error"), id: .null),
                         status: .internalServerError)
        }
        logger.debug("control call", metadata: ["method": "\(parsed.method)"])
        switch await dispatch(parsed.method, parsed.params ?? .array([])) {
        case .success(let result):
            return reply(ControlRPC.Reply(result: result, id: parsed.id ?? .null), status: .ok)
        case .failure(let error):
            let status: HTTPResponseStatus = error.code == ControlRPC.Code.methodNotFound ? .notFound : .internalServerError
            return reply(ControlRPC.Reply(error: error, id: parsed.id ?? .null), status: status)
        }
    }

    private func reply(_ reply: ControlRPC.Reply, status: HTTPResponseStatus) -> HTTPResponse {
        var body: [UInt8] = []
        if let data = try? JSONEncoder().encode(reply) {
            body = [UInt8](data)
            body.append(0x0a)
        }
        return HTTPResponse(status: status, contentType: "application/json", body: body)
    }
}
