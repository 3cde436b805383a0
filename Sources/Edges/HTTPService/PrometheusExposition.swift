import Prometheus

/// The Prometheus text exposition (format 0.0.4) of a swift-prometheus registry as an HTTP
/// response: the one metrics responder of altnetd, the BIP324 proxy and the RPC proxy.
public enum PrometheusExposition {
    /// The content type Prometheus expects for the text format.
    public static let contentType = "text/plain; version=0.0.4"

    /// Which paths serve the registry.
    public enum Paths: Sendable {
        /// `GET /metrics` (a query string allowed); other paths 404.
        case metrics
        /// `GET` on any path (the RPC proxy's `--metrics`, docs/rpc-proxy.md).
        case any
    }

    /// Answers one request.
    /// - Parameters:
    ///   - request: the request.
    ///   - registry: the registry to print.
    ///   - paths: which paths serve it.
    /// - Returns: 200 with the registry's text; 405 for anything but GET; 404 for other paths.
    public static func respond(to request: HTTPRequest, registry: PrometheusCollectorRegistry, paths: Paths = .metrics) -> HTTPResponse {
        guard request.method == .GET else { return .text(.methodNotAllowed, "only GET\n") }
        if case .metrics = paths, request.path != "/metrics" { return .text(.notFound, "not found: try /metrics\n") }
        return HTTPResponse(status: .ok, contentType: contentType, body: registry.emitToBuffer())
    }
}
