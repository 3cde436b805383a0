import BitcoinPrimitives
import EmergencyQueue
import Foundation
import Testing
import TestSupport

@Suite struct EmergencyStoreTests {
    @Test func roundTripSurvivesReopening() throws {
        let temp = try TempDir(prefix: "emergency")
        defer { temp.cleanup() }
        let dir = temp.path
        let clock = TestClock()
        let tx = Fixtures.witnessTransaction(seed: 1)
        let raw = tx.serialized()
        do {
            let store = try EmergencyStore(path: dir + "/emergency.sqlite", clock: clock.function)
            let row = try store.enqueue(raw: raw, ttl: .seconds(3600))
            #expect(row.txid == tx.txid.displayHex)
            #expect(row.wtxid == tx.wtxid.displayHex)
            #expect(row.txid != row.wtxid)
            #expect(row.raw == raw)
            #expect(row.state == .pending)
            #expect(row.attempts == 0 && row.lastAttemptAt == nil && row.lastResults.isEmpty)
            #expect(row.createdAt == clock())
            #expect(row.expiresAt == clock().addingTimeInterval(3600))
            let results = [TransportResult(transport: "bitcoind", accepted: false, detail: "min relay fee not met")]
            clock.advance(seconds: 5)
            let recorded = try store.record(txid: row.txid, results: results)
            #expect(recorded.attempts == 1)
            #expect(recorded.lastResults == results)
            #expect(recorded.lastAttemptAt == clock())
        }
        let reopened = try EmergencyStore(path: dir + "/emergency.sqlite", clock: clock.function)
        let rows = try reopened.pending()
        #expect(rows.count == 1)
        #expect(rows.first?.raw == raw)
        #expect(rows.first?.attempts == 1)
        #expect(rows.first?.lastResults.first?.detail == "min relay fee not met")
    }

    @Test func enqueueIsIdempotentPerTxid() throws {
        let temp = try TempDir(prefix: "emergency")
        defer { temp.cleanup() }
        let dir = temp.path
        let clock = TestClock()
        let store = try EmergencyStore(path: dir + "/q.sqlite", clock: clock.function)
        let first = try store.enqueue(raw: Fixtures.raw(seed: 2), ttl: .seconds(60))
        clock.advance(seconds: 10)
        let again = try store.enqueue(raw: Fixtures.raw(seed: 2), ttl: .seconds(60))
        #expect(again == first)
        #expect(try store.all().count == 1)
        // Expired, then submitted again: pending with a new expiry.
        #expect(try store.expire(now: clock().addingTimeInterval(100)) == [first.txid])
        #expect(try store.get(txid: first.txid)?.state == .expired)
        let revived = try store.enqueue(raw: Fixtures.raw(seed: 2), ttl: .seconds(60))
        #expect(revived.state == .pending)
        #expect(revived.expiresAt == clock().addingTimeInterval(60))
        #expect(try store.all().count == 1)
    }

    @Test func statesMoveAsDocumented() throws {
        let temp = try TempDir(prefix: "emergency")
        defer { temp.cleanup() }
        let dir = temp.path
        let store = try EmergencyStore(path: dir + "/q.sqlite")
        let row = try store.enqueue(raw: Fixtures.raw(seed: 3))
        try store.markConfirmed(txid: row.txid, inBlock: false)
        #expect(try store.get(txid: row.txid)?.state == .confirmedMempool)
        #expect(try store.pending().isEmpty)
        #expect(try store.active().count == 1)
        try store.markPending(txid: row.txid)
        #expect(try store.pending().count == 1)
        try store.markConfirmed(txid: row.txid, inBlock: true)
        #expect(try store.get(txid: row.txid)?.state == .confirmedBlock)
        // Final: neither the mempool nor pending takes it back, nor does expiry.
        try store.markConfirmed(txid: row.txid, inBlock: false)
        try store.markPending(txid: row.txid)
        #expect(try store.expire(now: Date().addingTimeInterval(1e9)).isEmpty)
        #expect(try store.get(txid: row.txid)?.state == .confirmedBlock)
        #expect(throws: EmergencyError(.unknownTxid("00"))) { try store.markConfirmed(txid: "00", inBlock: true) }
    }

    @Test func expiryTakesOnlyWhatIsPastItsTime() throws {
        let temp = try TempDir(prefix: "emergency")
        defer { temp.cleanup() }
        let dir = temp.path
        let clock = TestClock()
        let store = try EmergencyStore(path: dir + "/q.sqlite", clock: clock.function)
        let short = try store.enqueue(raw: Fixtures.raw(seed: 4), ttl: .seconds(60))
        let long = try store.enqueue(raw: Fixtures.raw(seed: 5))
        #expect(long.expiresAt.timeIntervalSince(long.createdAt) == 72 * 3600)
        #expect(try store.expire(now: clock().addingTimeInterval(59)).isEmpty)
        #expect(try store.expire(now: clock().addingTimeInterval(60)) == [short.txid])
        #expect(try store.pending().map(\.txid) == [long.txid])
        // Finished rows go only once past the keep date; active ones never.
        #expect(try store.prune(finishedBefore: clock().addingTimeInterval(60)) == 0)
        #expect(try store.prune(finishedBefore: clock().addingTimeInterval(61)) == 1)
        #expect(try store.get(txid: short.txid) == nil)
        #expect(try store.prune(finishedBefore: clock().addingTimeInterval(1e9)) == 0)
        #expect(try store.all().map(\.txid) == [long.txid])
    }

    @Test func queueIsCapped() throws {
        let temp = try TempDir(prefix: "emergency")
        defer { temp.cleanup() }
        let dir = temp.path
        let store = try EmergencyStore(path: dir + "/q.sqlite", maxActive: 2)
        let a = try store.enqueue(raw: Fixtures.raw(seed: 6))
        try store.enqueue(raw: Fixtures.raw(seed: 7))
        #expect(throws: EmergencyError(.queueFull(limit: 2))) { try store.enqueue(raw: Fixtures.raw(seed: 8)) }
        // An expired one is not revived past the cap.
        let c = try EmergencyStore(path: dir + "/q.sqlite", maxActive: 3).enqueue(raw: Fixtures.raw(seed: 12))
        try store.expire(now: Date().addingTimeInterval(1e9))
        try store.enqueue(raw: Fixtures.raw(seed: 6))
        try store.enqueue(raw: Fixtures.raw(seed: 7))
        #expect(throws: EmergencyError(.queueFull(limit: 2))) { try store.enqueue(raw: Fixtures.raw(seed: 12)) }
        #expect(try store.get(txid: c.txid)?.state == .expired)
        // An already queued transaction is still accepted (idempotent), and a confirmed one frees a slot.
        try store.enqueue(raw: Fixtures.raw(seed: 7))
        try store.markConfirmed(txid: a.txid, inBlock: true)
        try store.enqueue(raw: Fixtures.raw(seed: 8))
        #expect(try store.active().count == 2)
    }

    @Test func malformedInputsAreRefusedWithClearErrors() throws {
        func reason(_ body: () throws -> Void) -> EmergencyError.Reason? {
            do {
                try body()
                return nil
            } catch {
                return (error as? EmergencyError)?.reason
            }
        }
        #expect(reason { _ = try CheckedTransaction(hex: "") } == .malformedHex("empty input"))
        #expect(reason { _ = try CheckedTransaction(hex: "abc") } == .malformedHex("odd number of hex digits (3)"))
        if case .malformedHex = reason({ _ = try CheckedTransaction(hex: "zz11") }) {} else { Issue.record("zz11 not malformed hex") }
        // Surrounding whitespace (a trailing newline from a file) is fine.
        let good = Fixtures.raw(seed: 9)
        #expect(try CheckedTransaction(hex: "  \(good.hex)\n").raw == good)
        // Not transactions: a block header, truncated bytes, trailing bytes, nothing inside.
        let header = [UInt8](repeating: 0, count: 80)
        for bad in [header, Array(good.dropLast()), good + [0], [0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0]] {
            if case .notATransaction = reason({ _ = try CheckedTransaction(raw: bad) }) {} else {
                Issue.record("accepted \(bad.hex)")
            }
        }
        var coinbase = Fixtures.transaction(seed: 1)
        coinbase.inputs[0].previousOutput = .null
        #expect(reason { _ = try CheckedTransaction(raw: coinbase.serialized()) } == .coinbase)
        // Just under and just over 400,000 weight units (legacy: weight = 4 x size).
        let base = Fixtures.transaction(seed: 1, outputScriptSize: 1).serialized().count
        let fits = Fixtures.transaction(seed: 1, outputScriptSize: 1 + 100_000 - base - 4)
        #expect(try CheckedTransaction(raw: fits.serialized()).weight == 400_000)
        let heavy = Fixtures.transaction(seed: 1, outputScriptSize: 1 + 100_000 - base - 4 + 1)
        #expect(reason { _ = try CheckedTransaction(raw: heavy.serialized()) } == .tooLarge(weight: 400_004, limit: 400_000))
        #expect(reason { _ = try CheckedTransaction(raw: [UInt8](repeating: 1, count: 400_001)) } == .tooLarge(weight: 400_001, limit: 400_000))
        #expect(EmergencyError(.tooLarge(weight: 400_004, limit: 400_000)).description.contains("100000 vbytes"))
    }

    @Test func aFileThatIsNotADatabaseIsAClearError() throws {
        let temp = try TempDir(prefix: "emergency")
        defer { temp.cleanup() }
        let dir = temp.path
        let path = dir + "/emergency.sqlite"
        try Data(repeating: 0x41, count: 4096).write(to: URL(fileURLWithPath: path))
        do {
            _ = try EmergencyStore(path: path)
            Issue.record("opened a file of 'A's")
        } catch {
            guard case .cannotOpen(let p, let detail) = error.reason else { Issue.record("\(error)"); return }
            #expect(p == path)
            #expect(error.description.contains(path))
            #expect(detail.contains("not a database"))
        }
        #expect(throws: EmergencyError.self) { _ = try EmergencyStore(path: dir + "/missing-dir/q.sqlite") }
    }

    @Test func countsPerStateAndTheSubmitReply() throws {
        let temp = try TempDir(prefix: "emergency")
        defer { temp.cleanup() }
        let dir = temp.path
        let store = try EmergencyStore(path: dir + "/q.sqlite")
        let a = try store.enqueue(raw: Fixtures.raw(seed: 10))
        try store.enqueue(raw: Fixtures.raw(seed: 11))
        try store.markConfirmed(txid: a.txid, inBlock: true)
        let counts = try store.counts()
        #expect(counts[.pending] == 1 && counts[.confirmedBlock] == 1)
        #expect(counts[.confirmedMempool] == 0 && counts[.expired] == 0)

        let refused = [TransportResult(transport: "bitcoind", accepted: false, detail: "bad-txns-inputs-missingorspent")]
        #expect(EmergencySubmitReply(tx: a, results: refused).accepted == false)
        let reply = EmergencySubmitReply(
            tx: a, results: refused + [TransportResult(transport: "lightning", accepted: true, detail: "1 peer")])
        #expect(reply.accepted && reply.txid == a.txid && reply.results.count == 2)
        #expect(try JSONDecoder().decode(EmergencySubmitReply.self, from: JSONEncoder().encode(reply)) == reply)
    }

    @Test func jsonFormCarriesHexAndStates() throws {
        let row = EmergencyTx(
            txid: "aa", wtxid: "bb", raw: [1, 2, 255], createdAt: Date(timeIntervalSince1970: 0),
            expiresAt: Date(timeIntervalSince1970: 10), state: .confirmedMempool, attempts: 2, lastAttemptAt: nil,
            lastResults: [TransportResult(transport: "lightning", accepted: true, detail: "1 peer")])
        let data = try JSONEncoder().encode(row)
        let json = String(decoding: data, as: UTF8.self)
        #expect(json.contains("\"hex\":\"0102ff\""))
        #expect(json.contains("\"state\":\"confirmed-mempool\""))
        #expect(try JSONDecoder().decode(EmergencyTx.self, from: data) == row)
    }
}
