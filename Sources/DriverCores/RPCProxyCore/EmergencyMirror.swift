import AltnetControl
import Foundation
import JSON
import Logging
import NIOConcurrencyHelpers
import Prometheus

/// Hands every transaction the proxy forwarded with `sendrawtransaction` or `submitpackage` to
/// altnetd's emergency queue (`--altnetd-datadir DIR`: the control socket `DIR/altnetd.sock`
/// and its cookie, as altnet-cli finds them), so a Lightning node's broadcasts also go out over
/// altnet when its bitcoind is eclipsed.
///
/// Never on the caller's path: ``mirror(_:)`` only queues; one serial worker makes the control
/// calls in arrival order (a parent sent before its child stays before it). At most
/// ``maxPending`` wait; beyond that a mirror is dropped. Every outcome is logged and counted:
/// `altnet_rpcproxy_mirror_total{outcome="queued"|"failed"|"dropped"|"unreadable"}`.
public final class EmergencyMirror: Sendable {
    /// Counters, for logs and tests.
    public struct Snapshot: Sendable, Equatable {
        public var queued = 0
        public var failed = 0
        public var dropped = 0
        public var unreadable = 0
    }

    /// Mirrors waiting for the worker at most (each holds at most one request's transactions).
    public static let maxPending = 256
    /// The control call's timeout: altnetd answers after one broadcast round.
    static let callTimeoutSeconds = 60

    public let dataDir: String
    private let client: ControlClient
    private let queue = DispatchQueue(label: "altnet-rpcproxy-emergency-mirror")
    private let pending = NIOLockedValueBox(0)
    private let state = NIOLockedValueBox(Snapshot())
    private let counters: [String: Counter]
    private let logger: Logger

    /// - Parameters:
    ///   - dataDir: altnetd's data directory.
    ///   - registry: where the counter is registered (the proxy's metrics).
    ///   - logger: where each mirror is logged.
    public init(dataDir: String, registry: PrometheusCollectorRegistry, logger: Logger) {
        self.dataDir = dataDir
        client = ControlClient(dataDir: dataDir, timeoutSeconds: Self.callTimeoutSeconds)
        let descriptor = RPCProxyMetrics.name("mirror", "total", "Transactions handed to altnetd's emergency queue, by outcome")
        counters = Dictionary(uniqueKeysWithValues: ["queued", "failed", "dropped", "unreadable"].map {
            ($0, registry.makeCounter(descriptor: descriptor, labels: [("outcome", $0)]))
        })
        self.logger = logger
    }

    /// The counters now.
    public var snapshot: Snapshot { state.withLockedValue { $0 } }

    /// Queues one mirror and returns at once.
    /// - Parameter txs: the transactions in hex, one for `sendrawtransaction`, a package
    ///   (parents first) for `submitpackage`.
    public func mirror(_ txs: [String]) {
        let admitted = pending.withLockedValue { n -> Bool in
            guard n < Self.maxPending else { return false }
            n += 1
            return true
        }
        guard admitted else {
            logger.warning("emergency mirror dropped: \(Self.maxPending) mirrors already waiting for altnetd")
            count("dropped")
            return
        }
        queue.async { [self] in
            defer { pending.withLockedValue { $0 -= 1 } }
            let params: JSONValue = txs.count == 1 ? .object(["tx": .string(txs[0])]) : .object(["txs": .array(txs.map { .string($0) })])
            do throws(ControlError) {
                let result = try client.call("sendemergencytx", params)
                let txid = result.parameter("txid", position: -1)?.stringValue ?? "?"
                logger.info("mirrored into altnetd's emergency queue", metadata: ["txid": "\(txid)", "transactions": "\(txs.count)"])
                count("queued")
            } catch {
                logger.warning("emergency mirror failed (the caller's answer is unchanged): \(error.message)")
                count("failed")
            }
        }
    }

    /// Counts a mirrored call whose transactions could not be read.
    func unreadable(_ method: String) {
        logger.warning("emergency mirror: the \(method) call's transactions could not be read; not mirrored")
        count("unreadable")
    }

    private func count(_ outcome: String) {
        counters[outcome]?.increment()
        state.withLockedValue { s in
            switch outcome {
            case "queued": s.queued += 1
            case "failed": s.failed += 1
            case "dropped": s.dropped += 1
            default: s.unreadable += 1
            }
        }
    }

    /// The transactions of a mirrored call, from its `params` (pure).
    ///
    /// `sendrawtransaction`: `["HEX", ...]` or `{"hexstring": "HEX"}`; `submitpackage`:
    /// `[["HEX", ...], ...]` or `{"package": ["HEX", ...]}` (src/rpc/mempool.cpp).
    /// - Parameters:
    ///   - method: `sendrawtransaction` or `submitpackage`.
    ///   - params: the `params` value's JSON bytes.
    /// - Returns: the hex strings in order, or nil when the params do not hold them.
    public static func transactions(method: String, params: Data) -> [String]? {
        guard let value = try? JSONValue.parse(params) else { return nil }
        let first: JSONValue?
        switch value {
        case .array(let items): first = items.first
        case .object: first = value[method == "submitpackage" ? "package" : "hexstring"]
        default: first = nil
        }
        switch method {
        case "sendrawtransaction":
            return first?.stringValue.map { [$0] }
        case "submitpackage":
            guard let list = first?.arrayValue, !list.isEmpty else { return nil }
            let hexes = list.compactMap(\.stringValue)
            return hexes.count == list.count ? hexes : nil
        default:
            return nil
        }
    }
}
