import NIOHTTP1

/// A response: status, content type, extra headers and body. The server adds
/// `Content-Length` and `Connection`.
public struct HTTPResponse: Sendable {
    public var status: HTTPResponseStatus
    public var contentType: String?
    /// Further headers (`WWW-Authenticate`, ...), written in this order.
    public var headers: [(String, String)]
    public var body: [UInt8]
    /// Close the connection after this response even when the client asked to keep it.
    public var close: Bool

    public init(
        status: HTTPResponseStatus, contentType: String? = nil, headers: [(String, String)] = [], body: [UInt8] = [],
        close: Bool = false
    ) {
        self.status = status
        self.contentType = contentType
        self.headers = headers
        self.body = body
        self.close = close
    }

    /// A `text/plain` response.
    public static func text(_ status: HTTPResponseStatus, _ text: String) -> HTTPResponse {
        HTTPResponse(status: status, contentType: "text/plain; charset=utf-8", body: Array(text.utf8))
    }
}
