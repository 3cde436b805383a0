import BIP324DriverCore
import BIP324ProxyCore
import Foundation
import Prometheus

/// The proxy's Prometheus counters (one registry; `--metrics HOST:PORT` serves it):
///
/// - `altnet_proxy_connections_total{transport="v2"|"v1"}`: remote connections that carried
///   traffic, by the transport they ended up on.
/// - `altnet_proxy_open_connections{transport}`: those open now.
/// - `altnet_proxy_v1_fallbacks_total`: remotes that closed our v2 key unanswered and were
///   retried in v1 (`--v1-fallback`).
/// - `altnet_proxy_routes_total{method="socks5"|"map"|"addr_recv"}`: how clients said where to go.
/// - `altnet_proxy_refused_total{stage="greeting"|"connect"|"stream"}`: clients closed by us.
/// - `altnet_proxy_messages_total{command, direction}` and
///   `altnet_proxy_message_bytes_total{command, direction}` (payload bytes), with
///   direction `client_to_remote` or `remote_to_client`; unusual commands are labelled "other".
/// - `altnet_proxy_wire_bytes_total{side="client"|"remote", direction="in"|"out"}`: bytes on the
///   sockets, so the v2 overhead (keys, garbage, tags, decoys) shows beside the payloads.
final class BIP324ProxyMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let messageCounters = NSLockedCounters()

    let v1Fallbacks: Counter
    let clientIn: Counter
    let clientOut: Counter
    let remoteIn: Counter
    let remoteOut: Counter

    init() {
        v1Fallbacks = registry.makeCounter(name: "altnet_proxy_v1_fallbacks_total")
        clientIn = registry.makeCounter(name: "altnet_proxy_wire_bytes_total", labels: [("side", "client"), ("direction", "in")])
        clientOut = registry.makeCounter(name: "altnet_proxy_wire_bytes_total", labels: [("side", "client"), ("direction", "out")])
        remoteIn = registry.makeCounter(name: "altnet_proxy_wire_bytes_total", labels: [("side", "remote"), ("direction", "in")])
        remoteOut = registry.makeCounter(name: "altnet_proxy_wire_bytes_total", labels: [("side", "remote"), ("direction", "out")])
        for transport in ["v1", "v2"] {
            _ = registry.makeCounter(name: "altnet_proxy_connections_total", labels: [("transport", transport)])
            _ = registry.makeGauge(name: "altnet_proxy_open_connections", labels: [("transport", transport)])
        }
    }

    func connected(v2: Bool) {
        let transport = v2 ? "v2" : "v1"
        registry.makeCounter(name: "altnet_proxy_connections_total", labels: [("transport", transport)]).increment()
        registry.makeGauge(name: "altnet_proxy_open_connections", labels: [("transport", transport)]).increment()
    }

    func disconnected(v2: Bool) {
        registry.makeGauge(name: "altnet_proxy_open_connections", labels: [("transport", v2 ? "v2" : "v1")]).decrement()
    }

    func routed(_ method: ProxyRouteMethod) {
        registry.makeCounter(name: "altnet_proxy_routes_total", labels: [("method", method.rawValue)]).increment()
    }

    func refused(stage: String) {
        registry.makeCounter(name: "altnet_proxy_refused_total", labels: [("stage", stage)]).increment()
    }

    /// Counts messages; counters are cached per (command, direction) so the hot path takes one lock.
    func record(_ traffic: [ProxyTraffic]) {
        for item in traffic {
            let (messages, bytes) = messageCounters.counters(for: item, registry: registry)
            messages.increment()
            bytes.increment(by: Int64(item.payloadBytes))
        }
    }
}

/// The (command, direction) -> counters cache behind ``BIP324ProxyMetrics/record(_:)``.
final class NSLockedCounters: @unchecked Sendable {
    // @unchecked: `table` is only touched under `lock`.
    private let lock = NSLock()
    private var table: [String: (Counter, Counter)] = [:]

    func counters(for item: ProxyTraffic, registry: PrometheusCollectorRegistry) -> (Counter, Counter) {
        let command = item.commandLabel
        let direction = item.direction.rawValue
        let key = command + "/" + direction
        return lock.withLock {
            if let found = table[key] { return found }
            let labels = [("command", command), ("direction", direction)]
            let pair = (
                registry.makeCounter(name: "altnet_proxy_messages_total", labels: labels),
                registry.makeCounter(name: "altnet_proxy_message_bytes_total", labels: labels))
            table[key] = pair
            return pair
        }
    }
}
