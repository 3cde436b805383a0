import Foundation
import HTTPService
import NIOHTTP1

/// simnode's JSON-RPC over HTTP, as bitcoind answers it (src/httprpc.cpp): POST only (405
/// otherwise), HTTP Basic authentication (401 with `WWW-Authenticate`, 250 ms late for a wrong
/// password), then the JSON-RPC endpoint. The connection, keep-alive and the 32 MiB body cap
/// are the shared ``HTTPServer``'s.
struct SimnodeRPCHTTP: Sendable {
    /// bitcoind's limit on an HTTP request body (MAX_SIZE, src/serialize.h: 32 MiB).
    static let maxBodyBytes = 0x0200_0000

    let node: SimnodeNode
    /// `Basic base64(user:password)`: the only accepted `Authorization` value.
    let authorization: [UInt8]

    /// - Parameters:
    ///   - node: the node executing methods.
    ///   - userColonPassword: the accepted credentials ("__cookie__:hex" or "user:password").
    init(node: SimnodeNode, userColonPassword: String) {
        self.node = node
        self.authorization = Array(("Basic " + Data(userColonPassword.utf8).base64EncodedString()).utf8)
    }

    /// Answers one request.
    func handle(_ request: HTTPRequest) async -> HTTPResponse {
        guard request.method == .POST else {
            return HTTPResponse(status: .methodNotAllowed, contentType: "text/html; charset=ISO-8859-1",
                                body: Array("JSONRPC server handles only POST requests".utf8))
        }
        let given = request.headers.first(name: "Authorization") ?? ""
        guard CookieFile.constantTimeEqual(Array(given.utf8), authorization) else {
            // bitcoind sleeps 250 ms before answering a wrong password, to deter brute force.
            if !given.isEmpty { try? await Task.sleep(for: .milliseconds(250)) }
            return HTTPResponse(status: .unauthorized, headers: [("WWW-Authenticate", "Basic realm=\"jsonrpc\"")])
        }
        let node = self.node
        let reply = await JSONRPCEndpoint.handle(body: Data(request.body), version: node.coreVersion) { method, params in
            do throws(RPCFailure) {
                return .success(try await node.call(method, params: params))
            } catch {
                return .failure(error)
            }
        }
        return HTTPResponse(status: HTTPResponseStatus(statusCode: reply.status),
                            contentType: reply.body == nil ? nil : "application/json", body: Array((reply.body ?? "").utf8))
    }
}
