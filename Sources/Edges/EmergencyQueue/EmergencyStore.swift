import BitcoinPrimitives
import Foundation
import GRDB

/// The durable queue: one SQLite file (normally `DATADIR/emergency.sqlite`) in WAL mode with
/// `synchronous=FULL`, so a transaction is on disk when ``enqueue(raw:ttl:)`` returns and
/// survives a kill -9 of the process and a power cut.
///
/// Thread-safe (GRDB's `DatabaseQueue` serialises access); every method is synchronous and
/// short, so callers on the cooperative pool block only for a write and its fsync.
public final class EmergencyStore: Sendable {
    /// The file's path.
    public let path: String
    /// Transactions that may be active (pending or in the mempool) at once.
    public let maxActive: Int
    private let db: DatabaseQueue
    let clock: @Sendable () -> Date

    /// Opens (creating if needed) and migrates the queue file.
    /// - Parameters:
    ///   - path: the SQLite file.
    ///   - maxActive: cap on pending and in-mempool transactions (default 1,000).
    ///   - clock: the current time (injected for tests).
    /// - Throws: ``EmergencyError`` `cannotOpen` naming the file and SQLite's reason (not a
    ///   database, permission denied, directory missing, schema from a newer altnet).
    public init(
        path: String, maxActive: Int = EmergencyLimits.defaultMaxActive,
        clock: @escaping @Sendable () -> Date = { Date() }
    ) throws(EmergencyError) {
        self.path = path
        self.maxActive = max(1, maxActive)
        self.clock = clock
        var config = Configuration()
        config.journalMode = .wal
        // Another process (sendemergencytx without altnetd) may hold the write lock briefly.
        config.busyMode = .timeout(5)
        config.label = "emergency-queue"
        config.prepareDatabase { db in
            // WAL's default NORMAL survives a process crash but may lose the last commits on a
            // power cut; an emergency transaction must not, and writes are rare.
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        do {
            db = try DatabaseQueue(path: path, configuration: config)
            try Self.migrator.migrate(db)
        } catch {
            throw EmergencyError(.cannotOpen(path: path, detail: Self.describe(error)))
        }
    }

    /// Schema, versioned by GRDB's migrator (table grdb_migrations). Times are Unix seconds.
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1-emergency-tx") { db in
            try db.execute(sql: """
                CREATE TABLE emergency_tx (
                    txid TEXT PRIMARY KEY NOT NULL,
                    wtxid TEXT NOT NULL,
                    raw BLOB NOT NULL,
                    created_at REAL NOT NULL,
                    expires_at REAL NOT NULL,
                    state TEXT NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    last_attempt_at REAL,
                    last_results TEXT NOT NULL DEFAULT '[]'
                );
                CREATE INDEX emergency_tx_state ON emergency_tx(state);
                """)
        }
        // Packages (CPFP: parents and child queued together, sent in order).
        m.registerMigration("v2-emergency-package") { db in
            try db.execute(sql: """
                ALTER TABLE emergency_tx ADD COLUMN package TEXT;
                ALTER TABLE emergency_tx ADD COLUMN position INTEGER NOT NULL DEFAULT 0;
                """)
        }
        return m
    }

    // MARK: Writes

    /// Checks and stores a transaction, committed to disk before returning.
    ///
    /// Idempotent per txid: a transaction already queued is returned as stored (same times,
    /// attempts and witness); one that had expired is made pending again with a fresh expiry.
    /// - Parameters:
    ///   - raw: the serialised transaction.
    ///   - ttl: how long to keep re-broadcasting (default 72 h, ``EmergencyLimits/defaultTTL``).
    /// - Returns: the stored row.
    /// - Throws: ``EmergencyError``: the parse and policy errors of ``CheckedTransaction``,
    ///   `queueFull`, `storage`.
    @discardableResult
    public func enqueue(raw: [UInt8], ttl: Duration = EmergencyLimits.defaultTTL) throws(EmergencyError) -> EmergencyTx {
        let checked = try CheckedTransaction(raw: raw)
        return try enqueue(checked, ttl: ttl)
    }

    /// Stores an already checked transaction; see ``enqueue(raw:ttl:)`` and
    /// ``enqueue(package:ttl:)`` (a package of one).
    @discardableResult
    public func enqueue(_ checked: CheckedTransaction, ttl: Duration = EmergencyLimits.defaultTTL) throws(EmergencyError) -> EmergencyTx {
        let rows = try enqueue(package: [checked], ttl: ttl).rows
        guard let row = rows.first else { throw EmergencyError(.storage("no row stored")) }
        return row
    }

    /// Records one broadcast round: attempts + 1, the time, and each transport's answer.
    /// - Returns: the updated row.
    /// - Throws: ``EmergencyError`` `unknownTxid` or `storage`.
    @discardableResult
    public func record(txid: String, results: [TransportResult]) throws(EmergencyError) -> EmergencyTx {
        let now = clock().timeIntervalSince1970
        let json: String
        do {
            json = String(decoding: try JSONEncoder().encode(results), as: UTF8.self)
        } catch {
            throw EmergencyError(.storage("cannot encode transport results: \(error)"))
        }
        return try writing { db in
            try db.execute(
                sql: "UPDATE emergency_tx SET attempts = attempts + 1, last_attempt_at = ?, last_results = ? WHERE txid = ?",
                arguments: [now, json, txid])
            return try Self.fetch(db, txid: txid).map { .found($0) } ?? .missing(txid)
        }.get()
    }

    /// Marks a transaction seen by bitcoind: in its mempool, or in a block (final).
    /// A transaction already in a block stays there; an expired one is revived if seen.
    /// - Throws: ``EmergencyError`` `unknownTxid` or `storage`.
    public func markConfirmed(txid: String, inBlock: Bool) throws(EmergencyError) {
        try setState(txid: txid, inBlock ? .confirmedBlock : .confirmedMempool, unless: [.confirmedBlock, .superseded])
    }

    /// Puts a transaction that left bitcoind's mempool (without reaching a block) back to
    /// pending, so it is broadcast again.
    /// - Throws: ``EmergencyError`` `unknownTxid` or `storage`.
    public func markPending(txid: String) throws(EmergencyError) {
        try setState(txid: txid, .pending, unless: [.confirmedBlock, .expired, .superseded])
    }

    /// Marks every active transaction whose expiry is at or before `now` as expired.
    /// - Returns: the txids expired now.
    /// - Throws: ``EmergencyError`` `storage`.
    @discardableResult
    public func expire(now: Date) throws(EmergencyError) -> [String] {
        let t = now.timeIntervalSince1970
        return try writing { db in
            let args: StatementArguments = [EmergencyTxState.pending.rawValue, EmergencyTxState.confirmedMempool.rawValue, t]
            let ids = try String.fetchAll(
                db, sql: "SELECT txid FROM emergency_tx WHERE state IN (?, ?) AND expires_at <= ?", arguments: args)
            try db.execute(
                sql: "UPDATE emergency_tx SET state = '\(EmergencyTxState.expired.rawValue)' WHERE state IN (?, ?) AND expires_at <= ?",
                arguments: args)
            return .found(ids)
        }.get()
    }

    /// Deletes finished rows (in a block or expired) whose expiry is before `date`, so the file
    /// does not grow without bound; the broadcaster keeps them ``EmergencyLimits/keepFinished``.
    /// - Returns: how many rows were deleted.
    /// - Throws: ``EmergencyError`` `storage`.
    @discardableResult
    public func prune(finishedBefore date: Date) throws(EmergencyError) -> Int {
        try writing { db in
            try db.execute(
                sql: "DELETE FROM emergency_tx WHERE state IN (?, ?, ?) AND expires_at < ?",
                arguments: [
                    EmergencyTxState.confirmedBlock.rawValue, EmergencyTxState.expired.rawValue,
                    EmergencyTxState.superseded.rawValue, date.timeIntervalSince1970,
                ])
            return .found(db.changesCount)
        }.get()
    }

    // MARK: Reads

    /// Transactions still pending (to broadcast), oldest first.
    /// - Throws: ``EmergencyError`` `storage`.
    public func pending() throws(EmergencyError) -> [EmergencyTx] {
        try rows(states: [.pending])
    }

    /// Transactions pending or in bitcoind's mempool (still watched), oldest first, a package's
    /// members in their order.
    /// - Throws: ``EmergencyError`` `storage`.
    public func active() throws(EmergencyError) -> [EmergencyTx] {
        try rows(states: [.pending, .confirmedMempool])
    }

    /// Every stored transaction, oldest first (for listing).
    /// - Throws: ``EmergencyError`` `storage`.
    public func all() throws(EmergencyError) -> [EmergencyTx] {
        try rows(states: EmergencyTxState.allCases)
    }

    /// One transaction by txid (display hex), or nil.
    /// - Throws: ``EmergencyError`` `storage`.
    public func get(txid: String) throws(EmergencyError) -> EmergencyTx? {
        try reading { db in try Self.fetch(db, txid: txid) }
    }

    /// How many transactions are in each state (for metrics and getinfo).
    /// - Throws: ``EmergencyError`` `storage`.
    public func counts() throws(EmergencyError) -> [EmergencyTxState: Int] {
        let pairs = try reading { db in
            try Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS n FROM emergency_tx GROUP BY state").map { row in
                (row["state"] as String, row["n"] as Int)
            }
        }
        var result = Dictionary(uniqueKeysWithValues: EmergencyTxState.allCases.map { ($0, 0) })
        for (name, n) in pairs {
            if let state = EmergencyTxState(rawValue: name) { result[state] = n }
        }
        return result
    }

    // MARK: Internals

    func setState(txid: String, _ state: EmergencyTxState, unless: [EmergencyTxState]) throws(EmergencyError) {
        try writing { (db) -> Outcome<Void> in
            guard let row = try Self.fetch(db, txid: txid) else { return .missing(txid) }
            if !unless.contains(row.state) && row.state != state {
                try db.execute(sql: "UPDATE emergency_tx SET state = ? WHERE txid = ?", arguments: [state.rawValue, txid])
            }
            return .found(())
        }.get()
    }

    private func rows(states: [EmergencyTxState]) throws(EmergencyError) -> [EmergencyTx] {
        let marks = states.map { _ in "?" }.joined(separator: ", ")
        return try reading { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM emergency_tx WHERE state IN (\(marks)) ORDER BY created_at, position, txid",
                arguments: StatementArguments(states.map(\.rawValue))
            ).map(Self.decode)
        }
    }

    static func fetch(_ db: Database, txid: String) throws -> EmergencyTx? {
        try Row.fetchOne(db, sql: "SELECT * FROM emergency_tx WHERE txid = ?", arguments: [txid]).map(decode)
    }

    static func decode(_ row: Row) throws -> EmergencyTx {
        let stateName: String = row["state"]
        guard let state = EmergencyTxState(rawValue: stateName) else {
            throw EmergencyError(.storage("unknown state \(stateName) in the queue file"))
        }
        let resultsJSON: String = row["last_results"]
        let results = try JSONDecoder().decode([TransportResult].self, from: Data(resultsJSON.utf8))
        let raw: Data = row["raw"]
        let lastAttempt: Double? = row["last_attempt_at"]
        return EmergencyTx(
            txid: row["txid"], wtxid: row["wtxid"], raw: [UInt8](raw),
            createdAt: Date(timeIntervalSince1970: row["created_at"]),
            expiresAt: Date(timeIntervalSince1970: row["expires_at"]),
            state: state, attempts: row["attempts"],
            lastAttemptAt: lastAttempt.map { Date(timeIntervalSince1970: $0) },
            lastResults: results, package: row["package"], position: row["position"])
    }

    /// The outcome of a write closure: GRDB closures throw untyped errors, so domain outcomes
    /// travel as values and become typed errors outside.
    enum Outcome<T> {
        case found(T)
        case missing(String)
        case full(Int)

        func get() throws(EmergencyError) -> T {
            switch self {
            case .found(let v): return v
            case .missing(let txid): throw EmergencyError(.unknownTxid(txid))
            case .full(let limit): throw EmergencyError(.queueFull(limit: limit))
            }
        }
    }

    func writing<T>(_ body: (Database) throws -> Outcome<T>) throws(EmergencyError) -> Outcome<T> {
        do {
            return try db.write(body)
        } catch let e as EmergencyError {
            throw e
        } catch {
            throw EmergencyError(.storage(Self.describe(error)))
        }
    }

    private func reading<T>(_ body: (Database) throws -> T) throws(EmergencyError) -> T {
        do {
            return try db.read(body)
        } catch let e as EmergencyError {
            throw e
        } catch {
            throw EmergencyError(.storage(Self.describe(error)))
        }
    }

    static func describe(_ error: any Error) -> String {
        if let e = error as? DatabaseError {
            return "\(e.message ?? "SQLite error") (SQLite code \(e.resultCode.rawValue))"
        }
        return "\(error)"
    }

    static func seconds(_ d: Duration) -> TimeInterval {
        let (s, atto) = d.components
        return TimeInterval(s) + TimeInterval(atto) / 1e18
    }
}
