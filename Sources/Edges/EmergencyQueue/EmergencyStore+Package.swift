import BitcoinPrimitives
import Foundation
import GRDB

/// Packages (CPFP) and replacements (RBF) in the durable queue.
extension EmergencyStore {
    /// Stores transactions queued together, in order (parents before the child, as
    /// `submitpackage` wants them), committed to disk before returning; one transaction is a
    /// package of one.
    ///
    /// Per txid as ``enqueue(raw:ttl:)``: a row still active is kept (it joins the package when
    /// the package has more than one member); an expired or superseded one is made pending
    /// again with a fresh expiry. Then every other active row that spends an input of the new
    /// members is marked `superseded` (RBF: the replacement wins), and so is every active row
    /// spending an output of a superseded one (its child cannot confirm either).
    /// - Parameters:
    ///   - package: 1 to ``EmergencyLimits/maxPackageCount`` checked transactions, distinct.
    ///   - ttl: how long to keep re-broadcasting.
    /// - Returns: the stored rows in package order, and the txids superseded now.
    /// - Throws: ``EmergencyError`` `notATransaction` (empty, too many, repeated member),
    ///   `queueFull`, `storage`.
    @discardableResult
    public func enqueue(package: [CheckedTransaction], ttl: Duration = EmergencyLimits.defaultTTL)
        throws(EmergencyError) -> (rows: [EmergencyTx], superseded: [String])
    {
        guard !package.isEmpty else { throw EmergencyError(.notATransaction("empty package")) }
        guard package.count <= EmergencyLimits.maxPackageCount else {
            throw EmergencyError(.notATransaction("package of \(package.count) transactions exceeds \(EmergencyLimits.maxPackageCount)"))
        }
        let txids = package.map(\.txid.displayHex)
        guard Set(txids).count == txids.count else { throw EmergencyError(.notATransaction("a transaction appears twice in the package")) }
        let now = clock()
        let expires = now.addingTimeInterval(Self.seconds(ttl))
        let packageID = package.count > 1 ? txids.last : nil
        let limit = maxActive
        return try writing { db in
            var fresh = 0
            var existing: [String: EmergencyTx] = [:]
            for txid in txids {
                if let row = try Self.fetch(db, txid: txid) { existing[txid] = row }
                if existing[txid].map({ !$0.state.isActive && $0.state != .confirmedBlock }) ?? true { fresh += 1 }
            }
            let active = try Int.fetchOne(
                db, sql: "SELECT COUNT(*) FROM emergency_tx WHERE state IN (?, ?)",
                arguments: [EmergencyTxState.pending.rawValue, EmergencyTxState.confirmedMempool.rawValue]) ?? 0
            guard active + fresh <= limit else { return .full(limit) }
            for (position, checked) in package.enumerated() {
                let txid = txids[position]
                if let row = existing[txid] {
                    if !row.state.isActive && row.state != .confirmedBlock {
                        try db.execute(
                            sql: "UPDATE emergency_tx SET state = ?, expires_at = ? WHERE txid = ?",
                            arguments: [EmergencyTxState.pending.rawValue, expires.timeIntervalSince1970, txid])
                    }
                    if packageID != nil {
                        try db.execute(sql: "UPDATE emergency_tx SET package = ?, position = ? WHERE txid = ?",
                                       arguments: [packageID, position, txid])
                    }
                    continue
                }
                try db.execute(
                    sql: """
                        INSERT INTO emergency_tx (txid, wtxid, raw, created_at, expires_at, state, attempts, last_attempt_at,
                                                  last_results, package, position)
                        VALUES (?, ?, ?, ?, ?, ?, 0, NULL, '[]', ?, ?)
                        """,
                    arguments: [
                        txid, checked.wtxid.displayHex, Data(checked.raw), now.timeIntervalSince1970,
                        expires.timeIntervalSince1970, EmergencyTxState.pending.rawValue, packageID, position,
                    ])
            }
            let superseded = try Self.supersede(db, by: package.map(\.transaction), keeping: Set(txids))
            var rows: [EmergencyTx] = []
            for txid in txids {
                guard let row = try Self.fetch(db, txid: txid) else { return .missing(txid) }
                rows.append(row)
            }
            return .found((rows, superseded))
        }.get()
    }

    /// Marks `superseded` every active row outside `keeping` that spends an input of
    /// `replacements`, then (repeatedly) every active row spending an output of one so marked.
    /// - Returns: the txids marked.
    static func supersede(_ db: Database, by replacements: [Transaction], keeping: Set<String>) throws -> [String] {
        let spentByNew = Set(replacements.flatMap { $0.inputs.map(\.previousOutput) })
        var parents: Set<String> = []
        let activeRows = try Row.fetchAll(
            db, sql: "SELECT txid, raw FROM emergency_tx WHERE state IN (?, ?) ORDER BY created_at, position",
            arguments: [EmergencyTxState.pending.rawValue, EmergencyTxState.confirmedMempool.rawValue]
        ).compactMap { row -> (String, Transaction)? in
            let raw: Data = row["raw"]
            return (try? Transaction(bytes: [UInt8](raw))).map { (row["txid"], $0) }
        }.filter { !keeping.contains($0.0) }
        var marked: [String] = []
        var changed = true
        while changed {
            changed = false
            for (txid, tx) in activeRows where !marked.contains(txid) {
                let conflicts = tx.inputs.contains { spentByNew.contains($0.previousOutput) || parents.contains($0.previousOutput.txid.displayHex) }
                guard conflicts else { continue }
                marked.append(txid)
                parents.insert(txid)
                changed = true
            }
        }
        for txid in marked {
            try db.execute(sql: "UPDATE emergency_tx SET state = ? WHERE txid = ?", arguments: [EmergencyTxState.superseded.rawValue, txid])
        }
        return marked
    }
}
