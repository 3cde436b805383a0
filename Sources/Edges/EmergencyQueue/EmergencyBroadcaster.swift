import BitcoinPrimitives
import Foundation
import Logging

/// Sends queued emergency transactions until bitcoind has them or they expire.
///
/// ``submit(raw:)`` stores a transaction durably and broadcasts it once, at once. ``run()``
/// resumes whatever the file holds (a restart after kill -9 included) and, every
/// `retryInterval`, runs ``processQueue()``: expire what is past its time, ask bitcoind about
/// each active transaction, and broadcast again those not seen whose backoff has elapsed.
/// Backoff per transaction: retryInterval x 2^(attempts - 1), capped at maxRetryInterval, so a
/// transaction sent at once is sent again after 1, 2, 4 ... intervals.
public actor EmergencyBroadcaster {
    public nonisolated let store: EmergencyStore
    private let transports: any EmergencyTransports
    private let retryInterval: Duration
    private let maxRetryInterval: Duration
    private let ttl: Duration
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
    ///   - clock: the current time (injected for tests).
    ///   - logger: progress and failures.
    public init(
        store: EmergencyStore, transports: any EmergencyTransports, retryInterval: Duration,
        maxRetryInterval: Duration = .seconds(600), ttl: Duration = EmergencyLimits.defaultTTL,
        clock: @escaping @Sendable () -> Date = { Date() }, logger: Logger
    ) {
        self.store = store
        self.transports = transports
        self.retryInterval = retryInterval
        self.maxRetryInterval = max(maxRetryInterval, retryInterval)
        self.ttl = ttl
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
        let row = try store.enqueue(raw: raw, ttl: ttl)
        logger.info("emergency transaction queued", metadata: ["txid": "\(row.txid)", "expires": "\(row.expiresAt)"])
        let results = await transports.broadcast(raw: row.raw)
        log(results, txid: row.txid)
        let updated = try store.record(txid: row.txid, results: results)
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
            for tx in try store.active() {
                // One transaction's storage error must not stop the others' re-broadcast.
                do throws(EmergencyError) {
                    try await step(tx, now: now, into: &round)
                } catch {
                    round.failed.append(tx.txid)
                    logger.error("emergency transaction not processed this round", metadata: ["txid": "\(tx.txid)", "error": "\(error)"])
                }
            }
        } catch {
            logger.error("emergency queue round failed", metadata: ["error": "\(error)"])
        }
        return round
    }

    private func step(_ tx: EmergencyTx, now: Date, into round: inout Round) async throws(EmergencyError) {
        guard let hash = tx.txidHash, let parsed = try? Transaction(bytes: tx.raw) else {
            // Only checked transactions are stored; a damaged row cannot be sent, so it expires.
            logger.error("unreadable emergency transaction in the queue", metadata: ["txid": "\(tx.txid)"])
            return
        }
        switch await transports.isKnown(txid: hash, outputCount: parsed.outputs.count) {
        case .block:
            try store.markConfirmed(txid: tx.txid, inBlock: true)
            round.seenInBlock.append(tx.txid)
            logger.info("emergency transaction confirmed in a block", metadata: ["txid": "\(tx.txid)"])
        case .mempool:
            if tx.state != .confirmedMempool {
                try store.markConfirmed(txid: tx.txid, inBlock: false)
                round.seenInMempool.append(tx.txid)
                logger.info("emergency transaction in bitcoind's mempool", metadata: ["txid": "\(tx.txid)"])
            }
        case .unknown:
            var state = tx.state
            if state == .confirmedMempool {
                try store.markPending(txid: tx.txid)
                state = .pending
                round.dropped.append(tx.txid)
                logger.warning("emergency transaction left the mempool unconfirmed; sending again", metadata: ["txid": "\(tx.txid)"])
            }
            guard state == .pending, isDue(tx, now: now) || round.dropped.last == tx.txid else { return }
            let results = await transports.broadcast(raw: tx.raw)
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
