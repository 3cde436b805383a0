import NIOCore

/// bitcoind's HTTP reply to a forwarded request: its status and body, untouched.
public struct ForwardedReply: Sendable {
    /// bitcoind's HTTP status (200, or 500/404/400 for JSON-RPC 1.0 errors, 204, 503, ...).
    public let status: Int
    /// bitcoind's reply body, byte for byte.
    public let body: ByteBuffer

    public init(status: Int, body: ByteBuffer) {
        self.status = status
        self.body = body
    }
}

extension BitcoindRPCClient {
    /// Sends a JSON-RPC body (single or batch) as it is and returns bitcoind's reply as it is:
    /// for proxies, which must neither re-encode requests nor interpret replies.
    ///
    /// Uses the client's pool of keep-alive connections and its credentials (re-reading the
    /// cookie once on 401), like the typed calls.
    /// - Parameters:
    ///   - body: the request body, sent unchanged.
    ///   - uri: the request path (`/`, or `/wallet/NAME` for wallet calls).
    ///   - method: the method name, for error messages only.
    /// - Returns: bitcoind's status and body.
    /// - Throws: ``BitcoindRPCError`` when no reply came (unreachable, closed, timeout) or
    ///   bitcoind refused the client's own credentials (unauthorized).
    public func forward(_ body: ByteBuffer, uri: String = "/", method: String = "forwarded") async throws(BitcoindRPCError) -> ForwardedReply {
        let response = try await send(body, method: method, uri: uri)
        return ForwardedReply(status: response.status, body: response.body)
    }
}

extension BitcoindRPCClient {
    /// The `Authorization` header value the client sends (the cookie read once and cached),
    /// for a proxy that writes requests to bitcoind on its own connections.
    /// - Returns: `Basic ...`.
    /// - Throws: ``BitcoindRPCError`` (credentialsUnavailable) when the cookie cannot be read.
    public func authorizationHeader() async throws(BitcoindRPCError) -> String {
        try await credentials.authorization()
    }
}
