import NIOHTTP1

/// A whole request as an ``HTTPServer`` handler sees it: head and body, the body already
/// bounded by ``HTTPServer/Limits/maxBodyBytes``.
public struct HTTPRequest: Sendable {
    public let method: HTTPMethod
    public let uri: String
    public let headers: HTTPHeaders
    public let body: [UInt8]

    public init(method: HTTPMethod, uri: String, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.method = method
        self.uri = uri
        self.headers = headers
        self.body = body
    }

    /// The path without its query string (`/metrics?x=1` -> `/metrics`).
    public var path: Substring {
        uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
    }
}
