import BitcoinPrimitives
import Foundation
import Logging

/// Sends queued emergency transactions until bitcoind has them buried or they expire.
///
/// ``submit(package:)`` stores transactions durably and broadcasts them once, at once. ``run()``
/// resumes whatever the file holds (a restart after kill -9 included) and, every
/// `retryInterval`, runs ``processQueue()``: expire what is past its time, ask bitcoind about
/// each active transaction, and broadcast again those whose backoff has elapsed. bitcoind
/// having a transaction in its mempool does not stop the pushing (bitcoind may be the eclipsed
/// party and relay it nowhere): only a block `confirmations` deep in bitcoind's chain does.
/// A package (parents and child) is checked member by member and its unfinished members are
/// sent together, in order. Backoff per transaction or package (``Backoff``): retryInterval x
/// 2^(attempts - 1), capped at maxRetryInterval, so a transaction sent at once is sent again
/// after 1, 2, 4 ... intervals.
public actor EmergencyBroadcaster {
    public nonisolated let store: EmergencyStore
    private let transports: any EmergencyTransports
    private let retryInterval: Duration
    private let maxRetryInterval: Duration
    private let ttl: Duration
    private let confirmations: Int
    private let clock: @Sendable () -> Date
    private let logger: Logger

    /// What one ``processQueue()`` round did (txids in display hex).
    public struct Round: Sendable, Equatable {
        public var broadcast: [String] = []
        public var seenInMempool: [String] = []
        public var seenInBlock: [String] = []
        public var expired: [String] = []
        /// Transactions that had been in the mempool and are no longer (they go back to pending).
        public var dropped: [String] = []
        /// Transactions whose step failed (a storage error); the round went on with the others.
        public var failed: [String] = []

        public init() {}
    }

    /// - Parameters:
    ///   - store: the durable queue.
    ///   - transports: bitcoind and the drivers (see ``BitcoindEmergencyTransports``).
    ///   - retryInterval: the tick of ``run()`` and the first backoff step (30 s is a good default:
    ///     bitcoind relays on its own once the transaction is in its mempool).
    ///   - maxRetryInterval: the longest wait between two broadcasts of one transaction.
    ///   - ttl: how long a submitted transaction is kept (default 72 h).
    ///   - confirmations: the depth in bitcoind's chain at which a transaction is done
    ///     (`emergencyconfirmations`, default 1).
    ///   - clock: the current time (injected for tests).
    ///   - logger: progress and failures.
    public init(
        store: EmergencyStore, transports: any EmergencyTransports, retryInterval: Duration,
        maxRetryInterval: Duration = .seconds(600), ttl: Duration = EmergencyLimits.defaultTTL,
        confirmations: Int = EmergencyLimits.defaultConfirmations, clock: @escaping @Sendable () -> Date = { Date() }, logger: Logger
    ) {
        self.store = store
        self.transports = transports
        self.retryInterval = retryInterval
        self.maxRetryInterval = max(maxRetryInterval, retryInterval)
        self.ttl = ttl
        self.confirmations = max(1, confirmations)
        self.clock = clock
        self.logger = logger
    }

    /// Checks, stores (committed to disk before anything is sent) and broadcasts once through
    /// every transport.
    /// - Parameter raw: the serialised transaction.
    /// - Returns: the stored row after this round, and each transport's answer.
    /// - Throws: ``EmergencyError`` when the transaction is refused or cannot be stored; nothing
    ///   is broadcast then.
    public func submit(raw: [UInt8]) async throws(EmergencyError) -> (EmergencyTx, [TransportResult]) {
        let (rows, results) = try await submit(package: [raw])
        guard let row = rows.first else { throw EmergencyError(.storage("no row stored")) }
        return (row, results)
    }

    /// Checks and stores a package (parents first, child last; one transaction is a package of
    /// one), committed to disk, supersedes the queued transactions it replaces (RBF), then
    /// broadcasts it once: `submitpackage` to bitcoind, each member in order over the drivers.
    /// - Parameter package: the serialised transactions.
    /// - Returns: the stored rows after this round (package order), and each transport's answer.
    /// - Throws: ``EmergencyError`` when a member is refused or they cannot be stored; nothing
    ///   is broadcast then.
    public func submit(package: [[UInt8]]) async throws(EmergencyError) -> ([EmergencyTx], [TransportResult]) {
        var checked: [CheckedTransaction] = []
        for raw in package { checked.append(try CheckedTransaction(raw: raw)) }
        let (rows, superseded) = try store.enqueue(package: checked, ttl: ttl)
        for txid in superseded {
            logger.info("emergency transaction superseded by a replacement", metadata: ["txid": "\(txid)"])
        }
        for row in rows {
            logger.info("emergency transaction queued", metadata: ["txid": "\(row.txid)", "expires": "\(row.expiresAt)"])
        }
        let results = await transports.broadcast(package: rows.map(\.raw))
        var updated: [EmergencyTx] = []
        for row in rows {
            log(results, txid: row.txid)
            updated.append(try store.record(txid: row.txid, results: results))
        }
        return (updated, results)
    }

    /// Resumes the queue and keeps working on it until the task is cancelled.
    public func run() async {
        let pending = (try? store.active().count) ?? 0
        logger.info("emergency queue resumed", metadata: ["active": "\(pending)", "file": "\(store.path)"])
        while !Task.isCancelled {
            await processQueue()
            do {
                try await Task.sleep(for: retryInterval)
            } catch {
                break
            }
        }
    }

    /// One round over the queue (also worth calling when a new block arrives).
    /// - Returns: what changed.
    @discardableResult
    public func processQueue() async -> Round {
        var round = Round()
        let now = clock()
        do {
            round.expired = try store.expire(now: now)
            try store.prune(finishedBefore: now.addingTimeInterval(-EmergencyStore.seconds(EmergencyLimits.keepFinished)))
            for txid in round.expired { logger.warning("emergency transaction expired unseen", metadata: ["txid": "\(txid)"]) }
            for group in Self.groups(try store.active()) {
                // One group's storage error must not stop the others' re-broadcast.
                do throws(EmergencyError) {
                    try await step(group, now: now, into: &round)
                } catch {
                    round.failed.append(contentsOf: group.map(\.txid))
                    logger.error("emergency transaction not processed this round", metadata: ["txid": "\(group.map(\.txid))", "error": "\(error)"])
                }
            }
        } catch {
            logger.error("emergency queue round failed", metadata: ["error": "\(error)"])
        }
        return round
    }

    /// Active rows grouped by package (a lone transaction is a group of one), each group in
    /// package order, groups in queue order.
    static func groups(_ rows: [EmergencyTx]) -> [[EmergencyTx]] {
        var order: [String] = []
        var byKey: [String: [EmergencyTx]] = [:]
        for row in rows {
            let key = row.package ?? row.txid
            if byKey[key] == nil { order.append(key) }
            byKey[key, default: []].append(row)
        }
        return order.compactMap { byKey[$0]?.sorted { $0.position < $1.position } }
    }

    /// Asks bitcoind about each member, then sends the unfinished ones (in order) when due.
    private func step(_ group: [EmergencyTx], now: Date, into round: inout Round) async throws(EmergencyError) {
        var unfinished: [EmergencyTx] = []
        var dropped = false
        for tx in group {
            guard let hash = tx.txidHash, let parsed = try? Transaction(bytes: tx.raw) else {
                // Only checked transactions are stored; a damaged row cannot be sent, so it expires.
                logger.error("unreadable emergency transaction in the queue", metadata: ["txid": "\(tx.txid)"])
                continue
            }
            switch await transports.isKnown(txid: hash, outputCount: parsed.outputs.count) {
            case .block(let depth) where depth >= confirmations:
                try store.markConfirmed(txid: tx.txid, inBlock: true)
                round.seenInBlock.append(tx.txid)
                logger.info("emergency transaction confirmed in a block", metadata: ["txid": "\(tx.txid)", "confirmations": "\(depth)"])
            case .block, .mempool:
                if tx.state != .confirmedMempool {
                    try store.markConfirmed(txid: tx.txid, inBlock: false)
                    round.seenInMempool.append(tx.txid)
                    logger.info("emergency transaction seen by bitcoind; still pushed through the drivers", metadata: ["txid": "\(tx.txid)"])
                }
                unfinished.append(tx)
            case .unknown:
                if tx.state == .confirmedMempool {
                    try store.markPending(txid: tx.txid)
                    round.dropped.append(tx.txid)
                    dropped = true
                    logger.warning("emergency transaction left the mempool unconfirmed; sending again", metadata: ["txid": "\(tx.txid)"])
                }
                unfinished.append(tx)
            }
        }
        guard let first = unfinished.first, dropped || isDue(first, now: now) else { return }
        let results = await transports.broadcast(package: unfinished.map(\.raw))
        for tx in unfinished {
            log(results, txid: tx.txid)
            try store.record(txid: tx.txid, results: results)
            round.broadcast.append(tx.txid)
        }
    }

    /// Whether the backoff since the last broadcast has elapsed.
    func isDue(_ tx: EmergencyTx, now: Date) -> Bool {
        guard let last = tx.lastAttemptAt, tx.attempts > 0 else { return true }
        let wait = EmergencyStore.seconds(Backoff(base: retryInterval, cap: maxRetryInterval).delay(attempt: tx.attempts))
        // A little slack so a tick that lands a hair early does not skip a whole interval.
        return now.timeIntervalSince(last) >= wait * 0.95
    }

    private func log(_ results: [TransportResult], txid: String) {
        for r in results {
            logger.info(
                r.accepted ? "emergency transaction accepted" : "emergency transaction refused",
                metadata: ["txid": "\(txid)", "transport": "\(r.transport)", "detail": "\(r.detail)"])
        }
    }
}
