import Altstack
import HTTPService
import Logging
import Metrics
import Prometheus
import Watchdog

/// Prometheus metrics: the registry, its `GET /metrics` responder, and the daemon's own gauges.
///
/// Names (docs/altnetd.md): `altnet_anomalies_open`, `altnet_anomalies_total{kind}`,
/// `altnet_driver_ready{driver}`, `altnet_driver_starts{driver}`, `altnet_peers{driver}`,
/// `altnet_emergency_txs_total{transport,outcome}`; AltLogic adds its headers, blocks and rescue
/// counters where that work happens.
public final class DaemonMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry

    /// Creates the registry and bootstraps swift-metrics with it (once per process).
    public init(bootstrap: Bool = true) {
        registry = PrometheusCollectorRegistry()
        if bootstrap { MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry)) }
        anomaliesOpen.record(0)
    }

    /// Made after the bootstrap (a stored property would bind to the no-op factory).
    var anomaliesOpen: Metrics.Gauge { Metrics.Gauge(label: "altnet_anomalies_open") }

    /// Updates the driver gauges from a registry snapshot.
    func record(drivers: [DriverSnapshot]) {
        for driver in drivers {
            Metrics.Gauge(label: "altnet_driver_ready", dimensions: [("driver", driver.name)]).record(driver.state == .ready ? 1 : 0)
            Metrics.Gauge(label: "altnet_driver_starts", dimensions: [("driver", driver.name)]).record(driver.starts)
            Metrics.Gauge(label: "altnet_peers", dimensions: [("driver", driver.name)]).record(driver.peers.count)
            let t = driver.traffic
            Metrics.Gauge(label: "altnet_driver_queue_messages", dimensions: [("driver", driver.name)]).record(t.queuedMessages)
            Metrics.Gauge(label: "altnet_driver_queue_bytes", dimensions: [("driver", driver.name), ("queue", "messages")])
                .record(t.queuedMessageBytes)
            Metrics.Gauge(label: "altnet_driver_queue_bytes", dimensions: [("driver", driver.name), ("queue", "stdout")])
                .record(t.stdoutBytes)
        }
    }

    /// Counts an anomaly change and refreshes the open gauge.
    func record(_ change: AnomalyChange, open: Int) {
        if case .opened(let a) = change {
            Metrics.Counter(label: "altnet_anomalies_total", dimensions: [("kind", a.kind.rawValue)]).increment()
        }
        anomaliesOpen.record(open)
    }

    /// Answers `GET /metrics` in the Prometheus text format.
    func respond(_ request: HTTPRequest) -> HTTPResponse {
        PrometheusExposition.respond(to: request, registry: registry)
    }
}
