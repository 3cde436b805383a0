import NIOConcurrencyHelpers
import Prometheus

/// The proxy's counters, for the log and for Prometheus (served on `--metrics`).
///
/// Prometheus names: `altnet_rpcproxy_requests_total{method}`, `..._blocks_fetched_total`,
/// `..._fetch_failures_total`, `..._fetch_duration_seconds` (histogram),
/// `..._auth_failures_total{reason}`, `..._bitcoind_failures_total`.
public final class RPCProxyMetrics: Sendable {
    /// A snapshot for logs and tests.
    public struct Snapshot: Sendable, Equatable {
        public var requests = 0
        public var requestsByMethod: [String: Int] = [:]
        public var blocksFetched = 0
        public var fetchFailures = 0
        public var authFailures = 0
        public var forbidden = 0
        public var bitcoindFailures = 0
    }

    /// `altnet_rpcproxy_<metric>_<unit>`.
    static func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "altnet", subsystem: "rpcproxy", metricName: metric, unitName: unit, helpText: help)
    }

    static var requests: MetricNameDescriptor { name("requests", "total", "JSON-RPC calls by method") }
    static var authFailures: MetricNameDescriptor {
        name("auth_failures", "total", "Requests refused: 401 (missing or wrong credentials) or 403 (method not allowed)")
    }

    /// Distinct method labels kept; further names count as "other" (callers choose names).
    static let maxMethodLabels = 256

    public let registry: PrometheusCollectorRegistry
    private let state = NIOLockedValueBox(Snapshot())
    private let methodCounters = NIOLockedValueBox([String: Counter]())
    private let blocksFetched: Counter
    private let fetchFailures: Counter
    private let fetchDuration: DurationHistogram
    private let unauthorized: Counter
    private let forbiddenCounter: Counter
    private let bitcoindFailures: Counter
    private let fetchRefusals: Counter
    private let connectionRefusals: Counter
    private let idleCloses: Counter

    /// - Parameter registry: where the metrics are registered.
    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        blocksFetched = registry.makeCounter(descriptor: Self.name("blocks_fetched", "total", "Blocks fetched from bitcoind's peers for a held getblock"))
        fetchFailures = registry.makeCounter(descriptor: Self.name("fetch_failures", "total", "Block fetches that ended without the block"))
        fetchDuration = registry.makeDurationHistogram(
            descriptor: Self.name("fetch_duration", "seconds", "Time a getblock was held while its block was fetched"),
            buckets: [.milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2),
                      .seconds(5), .seconds(10), .seconds(20), .seconds(45), .seconds(90)])
        unauthorized = registry.makeCounter(descriptor: Self.authFailures, labels: [("reason", "unauthorized")])
        forbiddenCounter = registry.makeCounter(descriptor: Self.authFailures, labels: [("reason", "forbidden")])
        bitcoindFailures = registry.makeCounter(descriptor: Self.name("bitcoind_failures", "total", "Requests bitcoind did not answer"))
        fetchRefusals = registry.makeCounter(descriptor: Self.name("fetches_refused", "total", "Missing blocks not fetched: the user had --fetches-per-user fetches under way"))
        connectionRefusals = registry.makeCounter(descriptor: Self.name("connections_refused", "total", "Client connections closed at accept: --max-connections open"))
        idleCloses = registry.makeCounter(descriptor: Self.name("idle_closes", "total", "Client connections closed after --idle-timeout without a request"))
    }

    func fetchesRefused(_ count: Int) { fetchRefusals.increment(by: Int64(count)) }
    func connectionRefused() { connectionRefusals.increment() }
    func idleClosed() { idleCloses.increment() }

    /// Counts one call of `method`.
    func request(_ method: String) {
        let label = state.withLockedValue { s -> String in
            s.requests += 1
            let label = s.requestsByMethod[method] != nil || s.requestsByMethod.count < Self.maxMethodLabels
                ? method : "other"
            s.requestsByMethod[label, default: 0] += 1
            return label
        }
        counter(for: label).increment()
    }

    private func counter(for label: String) -> Counter {
        if let counter = methodCounters.withLockedValue({ $0[label] }) { return counter }
        let counter = registry.makeCounter(descriptor: Self.requests, labels: [("method", label)])
        methodCounters.withLockedValue { $0[label] = counter }
        return counter
    }

    func fetched(after duration: Duration, delivered: Bool) {
        fetchDuration.record(duration)
        if delivered {
            blocksFetched.increment()
            state.withLockedValue { $0.blocksFetched += 1 }
        } else {
            fetchFailures.increment()
            state.withLockedValue { $0.fetchFailures += 1 }
        }
    }

    func refused(forbidden: Bool) {
        if forbidden {
            forbiddenCounter.increment()
            state.withLockedValue { $0.forbidden += 1 }
        } else {
            unauthorized.increment()
            state.withLockedValue { $0.authFailures += 1 }
        }
    }

    func bitcoindFailed() {
        bitcoindFailures.increment()
        state.withLockedValue { $0.bitcoindFailures += 1 }
    }

    /// The counters now.
    public var snapshot: Snapshot { state.withLockedValue { $0 } }

    /// One log line: totals and the busiest methods.
    public var summary: String {
        let s = snapshot
        let top = s.requestsByMethod.sorted { $0.value > $1.value }.prefix(8).map { "\($0.key)=\($0.value)" }
        return "requests=\(s.requests) blocks_fetched=\(s.blocksFetched) fetch_failures=\(s.fetchFailures) "
            + "unauthorized=\(s.authFailures) forbidden=\(s.forbidden) bitcoind_failures=\(s.bitcoindFailures) "
            + "by_method: " + top.joined(separator: " ")
    }
}
