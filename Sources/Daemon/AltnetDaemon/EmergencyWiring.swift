import Altstack
import BitcoinPrimitives
import BitcoindRPC
import DriverProtocol
import EmergencyQueue
import Logging
import Metrics
import ServiceLifecycle

/// The EmergencyQueue in altnetd: a durable store in the data directory, transports over
/// bitcoind's RPC and every driver that carries transactions, and the re-broadcast loop.
enum EmergencyWiring {
    /// The queue file inside the data directory.
    static let fileName = "emergency.sqlite"

    /// Opens `DIR/emergency.sqlite` and builds the broadcaster.
    /// - Parameters:
    ///   - dataDir: altnetd's data directory.
    ///   - altstack: the drivers (`broadcasttx` to each that declares it).
    ///   - bitcoind: the local node.
    ///   - retryInterval: the loop's tick and first backoff step.
    ///   - confirmations: the depth at which a transaction is done (`emergencyconfirmations`).
    ///   - logger: the queue's logger.
    /// - Returns: the broadcaster (not yet running).
    /// - Throws: ``DaemonError`` `.dataDir` when the file cannot be opened.
    static func make(dataDir: String, altstack: Altstack, bitcoind: BitcoindRPCClient, retryInterval: Duration,
                     confirmations: Int, logger: Logger) throws(DaemonError) -> EmergencyBroadcaster {
        let store: EmergencyStore
        do {
            store = try EmergencyStore(path: dataDir + "/" + fileName)
        } catch {
            throw DaemonError(.dataDir, error.description)
        }
        let transports = BitcoindEmergencyTransports(
            rpc: bitcoind, drivers: { raw in await relay(raw, through: altstack) }, logger: logger)
        return EmergencyBroadcaster(store: store, transports: CountingTransports(inner: transports),
                                    retryInterval: retryInterval, confirmations: confirmations, logger: logger)
    }

    /// ": a, b" for the first few peer ids a driver named (ids are bounded by the schema; the
    /// detail stays short).
    static func names(_ ids: [String]?) -> String {
        guard let ids, !ids.isEmpty else { return "" }
        let shown = ids.prefix(8).map { String($0.prefix(66)) }
        return ": " + shown.joined(separator: ", ") + (ids.count > shown.count ? ", ..." : "")
    }

    /// "; acknowledged by N altnet peers: a, b" when the driver reports acknowledgements
    /// (`acked_by`; absent for transports whose peers cannot answer, such as bitcoind over BIP324).
    static func acknowledgements(_ ids: [String]?) -> String {
        guard let ids else { return "" }
        return "; acknowledged by \(ids.count) altnet peer\(ids.count == 1 ? "" : "s")" + names(ids)
    }

    /// `broadcasttx` through every driver that carries transactions, one result per driver.
    static func relay(_ raw: [UInt8], through altstack: Altstack) async -> [TransportResult] {
        await altstack.broadcastTx(raw.hex).map { outcome in
            switch outcome.result {
            case .success(let r) where r.accepted && r.peers > 0:
                // Carried off this machine: the driver handed it to r.peers peers (named when it says).
                // Peers that can answer (altnetd over Lightning) acknowledge receipt: named after.
                TransportResult(transport: outcome.driver, accepted: true,
                                detail: "sent to \(r.peers) peer\(r.peers == 1 ? "" : "s")" + Self.names(r.sentTo) + Self.acknowledgements(r.ackedBy))
            case .success(let r):
                TransportResult(transport: outcome.driver, accepted: false, detail: r.reason ?? "no peer took it (\(r.peers) peers)")
            case .failure(let e):
                TransportResult(transport: outcome.driver, accepted: false, detail: e.description)
            }
        }
    }
}

/// Counts every broadcast per transport and outcome in `altnet_emergency_txs_total`.
struct CountingTransports: EmergencyTransports {
    let inner: any EmergencyTransports

    func broadcast(raw: [UInt8]) async -> [TransportResult] {
        count(await inner.broadcast(raw: raw))
    }

    func broadcast(package: [[UInt8]]) async -> [TransportResult] {
        count(await inner.broadcast(package: package))
    }

    private func count(_ results: [TransportResult]) -> [TransportResult] {
        for r in results {
            Counter(label: "altnet_emergency_txs_total",
                    dimensions: [("transport", r.transport), ("outcome", r.accepted ? "accepted" : "rejected")]).increment()
        }
        return results
    }

    func isKnown(txid: Hash256, outputCount: Int) async -> EmergencySeen {
        await inner.isKnown(txid: txid, outputCount: outputCount)
    }
}

/// The broadcaster's loop as a service: resumes what the file holds, re-broadcasts on its tick,
/// and runs one extra round after each new block (bitcoind may have confirmed a transaction).
struct EmergencyService: Service {
    let broadcaster: EmergencyBroadcaster
    let newBlocks: AsyncStream<Void>

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await broadcaster.run() }
                group.addTask {
                    for await _ in newBlocks {
                        guard !Task.isCancelled else { break }
                        await broadcaster.processQueue()
                    }
                }
                // Both end when the shutdown cancels this task (a block stream that ends first,
                // as without ZMQ, leaves the loop running).
                await group.waitForAll()
            }
        }
        // Finish only in shutdown order (ServiceGroup treats anything else as a failure).
        try? await gracefulShutdown()
    }
}
