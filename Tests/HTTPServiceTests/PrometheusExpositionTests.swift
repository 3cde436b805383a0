import HTTPService
import Prometheus
import Testing

/// The one Prometheus responder of altnetd, the BIP324 proxy and the RPC proxy.
@Suite struct PrometheusExpositionTests {
    static func registry() -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        registry.makeCounter(descriptor: MetricNameDescriptor(namespace: "altnet", metricName: "test", unitName: "total"), labels: [("kind", "x")])
            .increment(by: Int64(3))
        return registry
    }

    @Test func servesTheRegistryOnGetMetrics() {
        for uri in ["/metrics", "/metrics?name=x"] {
            let response = PrometheusExposition.respond(to: HTTPRequest(method: .GET, uri: uri), registry: Self.registry())
            #expect(response.status == .ok)
            #expect(response.contentType == "text/plain; version=0.0.4")
            #expect(String(decoding: response.body, as: UTF8.self).contains(#"altnet_test_total{kind="x"} 3"#))
        }
    }

    @Test func otherPathsAndMethodsAreRefused() {
        let registry = Self.registry()
        #expect(PrometheusExposition.respond(to: HTTPRequest(method: .GET, uri: "/"), registry: registry).status == .notFound)
        #expect(PrometheusExposition.respond(to: HTTPRequest(method: .GET, uri: "/metricsx"), registry: registry).status == .notFound)
        #expect(PrometheusExposition.respond(to: HTTPRequest(method: .POST, uri: "/metrics"), registry: registry).status == .methodNotAllowed)
    }

    @Test func anyPathServesWhereAsked() {
        let response = PrometheusExposition.respond(to: HTTPRequest(method: .GET, uri: "/"), registry: Self.registry(), paths: .any)
        #expect(response.status == .ok && !response.body.isEmpty)
        #expect(PrometheusExposition.respond(to: HTTPRequest(method: .PUT, uri: "/"), registry: Self.registry(), paths: .any).status
            == .methodNotAllowed)
    }
}
