import BitcoinPrimitives
import EmergencyQueue
import Foundation
import Logging
import Testing
import TestSupport

@Suite struct BroadcasterTests {
    /// Warnings and errors only: the broadcaster's info lines would drown the test output.
    let logger: Logger = {
        var l = Logger(label: "emergency-test")
        l.logLevel = .warning
        return l
    }()

    @Test func submitStoresThenBroadcastsOnceAndRecords() async throws {
        let temp = try TempDir(prefix: "emergency")
        defer { temp.cleanup() }
        let dir = temp.path
        let clock = TestClock()
        let store = try EmergencyStore(path: dir + "/q.sqlite", clock: clock.function)
        let fake = FakeTransports()
        let b = EmergencyBroadcaster(
            store: store, transports: fake, retryInterval: .seconds(30), clock: clock.function, logger: logger)
        let tx = Fixtures.transaction(seed: 30, outputs: 3)
        let (row, results) = try await b.submit(raw: tx.serialized())
        #expect(fake.broadcastCount == 1)
        #expect(results.map(\.transport) == ["bitcoind", "bip324"])
        #expect(row.attempts == 1 && row.lastResults == results && row.state == .pending)

        // Not seen, backoff not elapsed: nothing sent.
        var round = await b.processQueue()
        #expect(round.broadcast.isEmpty)
        #expect(fake.state.withLock { $0.outputCounts.last } == 3)
        // After one interval: sent again; then the wait doubles.
        clock.advance(seconds: 30)
        round = await b.processQueue()
        #expect(round.broadcast == [row.txid])
        clock.advance(seconds: 30)
        #expect(await b.processQueue().broadcast.isEmpty)
        clock.advance(seconds: 30)
        #expect(await b.processQueue().broadcast == [row.txid])
        #expect(fake.broadcastCount == 3)
        #expect(try store.get(txid: row.txid)?.attempts == 3)

        // In bitcoind's mempool: still pushed through the drivers when due (bitcoind may be
        // the eclipsed party), not before.
        fake.set(tx.txid, .mempool)
        clock.advance(seconds: 1000)
        round = await b.processQueue()
        #expect(round.seenInMempool == [row.txid] && round.broadcast == [row.txid])
        #expect(await b.processQueue().broadcast.isEmpty)
        #expect(try store.get(txid: row.txid)?.state == .confirmedMempool)
        // Dropped from the mempool: pending again and sent at once.
        fake.set(tx.txid, .unknown)
        round = await b.processQueue()
        #expect(round.dropped == [row.txid] && round.broadcast == [row.txid])
        #expect(try store.get(txid: row.txid)?.state == .pending)
        // In a block: done for good.
        fake.set(tx.txid, .block(confirmations: 1))
        round = await b.processQueue()
        #expect(round.seenInBlock == [row.txid])
        #expect(try store.get(txid: row.txid)?.state == .confirmedBlock)
        clock.advance(seconds: 10_000)
        fake.set(tx.txid, .unknown)
        #expect(await b.processQueue() == EmergencyBroadcaster.Round())
        #expect(fake.broadcastCount == 5)
    }

    @Test func refusedInputIsNeitherStoredNorBroadcast() async throws {
        let temp = try TempDir(prefix: "emergency")
        defer { temp.cleanup() }
        let dir = temp.path
        let store = try EmergencyStore(path: dir + "/q.sqlite")
        let fake = FakeTransports()
        let b = EmergencyBroadcaster(store: store, transports: fake, retryInterval: .seconds(1), logger: logger)
        await #expect(throws: EmergencyError.self) { _ = try await b.submit(raw: [0xde, 0xad]) }
        #expect(fake.broadcastCount == 0)
        #expect(try store.all().isEmpty)
    }

    @Test func aNewBroadcasterOnTheSameFileResumesPending() async throws {
        let temp = try TempDir(prefix: "emergency")
        defer { temp.cleanup() }
        let dir = temp.path
        let path = dir + "/q.sqlite"
        let clock = TestClock()
        // As if the daemon died between the commit and the first broadcast.
        let row = try EmergencyStore(path: path, clock: clock.function).enqueue(raw: Fixtures.raw(seed: 31))
        let fake = FakeTransports()
        let b = EmergencyBroadcaster(
            store: try EmergencyStore(path: path, clock: clock.function), transports: fake,
            retryInterval: .seconds(30), clock: clock.function, logger: logger)
        #expect(await b.processQueue().broadcast == [row.txid])
        #expect(fake.state.withLock { $0.broadcasts } == [Fixtures.raw(seed: 31)])
    }

    @Test func expiredTransactionsAreNotSent() async throws {
        let temp = try TempDir(prefix: "emergency")
        defer { temp.cleanup() }
        let dir = temp.path
        let clock = TestClock()
        let store = try EmergencyStore(path: dir + "/q.sqlite", clock: clock.function)
        let fake = FakeTransports(accept: false)
        let b = EmergencyBroadcaster(
            store: store, transports: fake, retryInterval: .seconds(30), ttl: .seconds(120), clock: clock.function,
            logger: logger)
        let (row, results) = try await b.submit(raw: Fixtures.raw(seed: 32))
        #expect(results.first?.accepted == false)
        clock.advance(seconds: 121)
        let round = await b.processQueue()
        #expect(round.expired == [row.txid] && round.broadcast.isEmpty)
        #expect(try store.get(txid: row.txid)?.state == .expired)
        #expect(fake.broadcastCount == 1)
    }

    @Test func runKeepsSendingUntilSeenAndStopsOnCancel() async throws {
        let temp = try TempDir(prefix: "emergency")
        defer { temp.cleanup() }
        let dir = temp.path
        let store = try EmergencyStore(path: dir + "/q.sqlite")
        let tx = Fixtures.transaction(seed: 33)
        try store.enqueue(raw: tx.serialized())
        let fake = FakeTransports()
        let b = EmergencyBroadcaster(
            store: store, transports: fake, retryInterval: .milliseconds(20), maxRetryInterval: .milliseconds(40),
            logger: logger)
        let task = Task { await b.run() }
        defer { task.cancel() }
        try #require(await eventually(timeout: .seconds(20), every: .milliseconds(20)) { fake.broadcastCount >= 3 })
        fake.set(tx.txid, .block(confirmations: 1))
        try #require(await eventually(timeout: .seconds(20), every: .milliseconds(20)) { (try? store.get(txid: tx.txid.displayHex)?.state) == .confirmedBlock })
        task.cancel()
        await task.value
        let sent = fake.broadcastCount
        try await Task.sleep(for: .milliseconds(100))
        #expect(fake.broadcastCount == sent)
    }
}
