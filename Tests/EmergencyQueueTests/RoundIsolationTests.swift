import BitcoinPrimitives
import EmergencyQueue
import Foundation
import Logging
import Synchronization
import Testing
import TestSupport

/// Issue 15: one transaction's storage error does not stop the re-broadcast round.
@Suite struct RoundIsolationTests {
    /// Deletes the first transaction it is asked about from the file (through a second
    /// connection) before answering "unknown", so recording its broadcast fails with a storage
    /// error (`unknownTxid`); every other transaction is answered normally.
    final class SabotagingTransports: EmergencyTransports {
        let other: EmergencyStore
        let inner = FakeTransports()
        let victim = Mutex<Hash256?>(nil)

        init(other: EmergencyStore) { self.other = other }

        func broadcast(raw: [UInt8]) async -> [TransportResult] { await inner.broadcast(raw: raw) }

        func isKnown(txid: Hash256, outputCount: Int) async -> EmergencySeen {
            let first = victim.withLock { v -> Bool in
                if v == nil { v = txid }
                return v == txid
            }
            if first {
                let display = txid.displayHex
                try? other.markConfirmed(txid: display, inBlock: true)
                _ = try? other.prune(finishedBefore: Date.distantFuture)
            }
            return .unknown
        }
    }

    @Test func oneStorageErrorDoesNotStopTheRound() async throws {
        let temp = try TempDir(prefix: "emergency")
        defer { temp.cleanup() }
        let dir = temp.path
        let clock = TestClock()
        let store = try EmergencyStore(path: dir + "/q.sqlite", clock: clock.function)
        let transports = SabotagingTransports(other: try EmergencyStore(path: dir + "/q.sqlite", clock: clock.function))
        var logger = Logger(label: "emergency-test")
        logger.logLevel = .critical
        let b = EmergencyBroadcaster(store: store, transports: transports, retryInterval: .seconds(30), clock: clock.function, logger: logger)
        let rows = try [41, 42, 43].map { seed in try store.enqueue(raw: Fixtures.raw(seed: UInt8(seed))) }
        let round = await b.processQueue()
        let victim = try #require(transports.victim.withLock { $0 }.map { $0.displayHex })
        #expect(round.failed == [victim])
        // The two others were sent and recorded, whichever came first.
        #expect(Set(round.broadcast) == Set(rows.map(\.txid)).subtracting([victim]))
        #expect(round.broadcast.count == 2)
        for row in rows where row.txid != victim {
            #expect(try store.get(txid: row.txid)?.attempts == 1)
        }
    }
}
