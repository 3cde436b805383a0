/// The one seam between the Esplora driver's logic and the network: one HTTP exchange. The
/// executable plugs async-http-client in (drivers/esplora/HTTPClientTransport.swift); unit tests
/// give canned answers.
///
/// An implementation must keep both bounds of ``EsploraRequest``: refuse a body longer than
/// `maxBodyBytes` before buffering it (a `Content-Length` above the bound, or the running total of
/// a streamed body crossing it), and give up when `timeout` has passed, however slowly the server
/// drips its answer.
public protocol EsploraTransport: Sendable {
    /// Performs one request.
    /// - Parameter request: what to send, and its bounds.
    /// - Returns: the status and the whole body (at most `request.maxBodyBytes` bytes).
    /// - Throws: ``EsploraTransportError``.
    func perform(_ request: EsploraRequest) async throws(EsploraTransportError) -> EsploraResponse

    /// Closes connections; called once when the driver stops.
    func shutdown() async
}

/// One HTTP request of the Esplora API.
public struct EsploraRequest: Sendable, Hashable {
    public enum Method: String, Sendable, Hashable { case get = "GET", post = "POST" }

    public var method: Method
    /// The full URL (base URL and path).
    public var url: String
    /// The request body (`POST /tx`: the transaction's hex).
    public var body: [UInt8]
    /// The longest response body accepted.
    public var maxBodyBytes: Int
    /// How long the whole exchange may take, body included.
    public var timeout: Duration

    public init(method: Method = .get, url: String, body: [UInt8] = [], maxBodyBytes: Int, timeout: Duration) {
        self.method = method
        self.url = url
        self.body = body
        self.maxBodyBytes = maxBodyBytes
        self.timeout = timeout
    }
}

/// An HTTP answer: any status (the caller decides what a 404 means).
public struct EsploraResponse: Sendable, Hashable {
    public var status: Int
    public var body: [UInt8]

    public init(status: Int, body: [UInt8]) {
        self.status = status
        self.body = body
    }
}

/// Why an exchange produced no response.
public enum EsploraTransportError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The request's timeout passed.
    case timeout
    /// The body was longer than the request allowed; nothing beyond the limit was kept.
    case bodyTooLarge(limit: Int)
    /// Connecting, the proxy, TLS or the connection failed (the text says which).
    case connection(String)

    /// Worth asking again after a pause.
    public var isTransient: Bool {
        switch self {
        case .timeout, .connection: true
        case .bodyTooLarge: false
        }
    }

    public var description: String {
        switch self {
        case .timeout: "timed out"
        case .bodyTooLarge(let limit): "response body over \(limit) bytes, refused"
        case .connection(let why): why
        }
    }
}
