import BitcoinPrimitives
import EmergencyQueue
import Foundation
import Logging
import Testing
import TestSupport

/// The queue's rules when bitcoind may be the eclipsed party (issue #21 item 4), on an
/// injected clock: what counts as accepted, packages in order, RBF supersede, completion by
/// confirmations, expiry.
@Suite struct QueueRulesTests {
    let logger: Logger = {
        var l = Logger(label: "emergency-rules-test")
        l.logLevel = .warning
        return l
    }()

    /// A child spending output 0 of `parent`.
    static func child(of parent: Transaction, seed: UInt8) -> Transaction {
        Transaction(
            version: 2,
            inputs: [TxIn(previousOutput: OutPoint(txid: parent.txid, index: 0), scriptSig: [0x51, seed], sequence: 0xffff_fffd)],
            outputs: [TxOut(value: 30_000, scriptPubKey: [0x51])], lockTime: 0)
    }

    func rig(_ temp: TempDir, confirmations: Int = 1, ttl: Duration = .seconds(3600), fake: FakeTransports = FakeTransports())
        throws -> (EmergencyBroadcaster, EmergencyStore, FakeTransports, TestClock)
    {
        let clock = TestClock()
        let store = try EmergencyStore(path: temp.path + "/q.sqlite", clock: clock.function)
        let b = EmergencyBroadcaster(store: store, transports: fake, retryInterval: .seconds(30), ttl: ttl,
                                     confirmations: confirmations, clock: clock.function, logger: logger)
        return (b, store, fake, clock)
    }

    @Test func bitcoindAloneIsNotAccepted() throws {
        let tx = EmergencyTx(
            txid: "00", wtxid: "00", raw: [], createdAt: Date(), expiresAt: Date(), state: .pending, attempts: 1,
            lastAttemptAt: nil, lastResults: [])
        let onlyLocal = [TransportResult(transport: "bitcoind", accepted: true, detail: "txid", local: true),
                         TransportResult(transport: "bip324", accepted: false, detail: "no peers")]
        #expect(!EmergencySubmitReply(tx: tx, results: onlyLocal).accepted)
        let carried = onlyLocal + [TransportResult(transport: "lightning", accepted: true, detail: "sent to 1 peer")]
        #expect(EmergencySubmitReply(tx: tx, results: carried).accepted)
        // Rows stored before the field existed read "bitcoind" as the local transport.
        let old = try JSONDecoder().decode(TransportResult.self, from: Data(#"{"transport":"bitcoind","accepted":true,"detail":"x"}"#.utf8))
        #expect(old.local)
    }

    @Test func packageIsSentParentFirstAndFinishesMemberByMember() async throws {
        let temp = try TempDir(prefix: "emergency")
        defer { temp.cleanup() }
        let (b, store, fake, clock) = try rig(temp)
        let parent = Fixtures.transaction(seed: 40)
        let child = Self.child(of: parent, seed: 1)
        let (rows, _) = try await b.submit(package: [parent.serialized(), child.serialized()])
        #expect(rows.map(\.txid) == [parent.txid.displayHex, child.txid.displayHex])
        #expect(rows.map(\.position) == [0, 1] && rows.allSatisfy { $0.package == child.txid.displayHex })
        #expect(fake.state.withLock { $0.broadcasts } == [parent.serialized(), child.serialized()])

        // The parent confirms; only the child is sent again.
        fake.set(parent.txid, .block(confirmations: 1))
        clock.advance(seconds: 30)
        let round = await b.processQueue()
        #expect(round.seenInBlock == [parent.txid.displayHex] && round.broadcast == [child.txid.displayHex])
        #expect(fake.state.withLock { $0.broadcasts.last } == child.serialized())
        // After a restart (a new store on the same file) the package is still one group, in order.
        let reopened = try EmergencyStore(path: store.path, clock: clock.function)
        #expect(try reopened.active().map(\.txid) == [child.txid.displayHex])
    }

    @Test func replacementSupersedesItsPredecessorAndItsChild() async throws {
        let temp = try TempDir(prefix: "emergency")
        defer { temp.cleanup() }
        let (b, store, fake, clock) = try rig(temp)
        let original = Fixtures.transaction(seed: 41)
        let originalChild = Self.child(of: original, seed: 2)
        _ = try await b.submit(package: [original.serialized(), originalChild.serialized()])
        // Same input, another output: a replacement (RBF).
        var replacement = original
        replacement.outputs[0].value = 35_000
        let unrelated = Fixtures.transaction(seed: 42)
        _ = try await b.submit(raw: unrelated.serialized())
        let (rows, _) = try await b.submit(package: [replacement.serialized()])
        #expect(rows.first?.state == .pending)
        #expect(try store.get(txid: original.txid.displayHex)?.state == .superseded)
        #expect(try store.get(txid: originalChild.txid.displayHex)?.state == .superseded)
        #expect(try store.get(txid: unrelated.txid.displayHex)?.state == .pending)
        // Superseded transactions are never sent again.
        clock.advance(seconds: 30)
        let before = fake.broadcastCount
        let round = await b.processQueue()
        #expect(Set(round.broadcast) == [replacement.txid.displayHex, unrelated.txid.displayHex])
        #expect(fake.broadcastCount == before + 2)
        // Re-submitting the predecessor brings it back and supersedes the replacement.
        _ = try await b.submit(raw: original.serialized())
        #expect(try store.get(txid: original.txid.displayHex)?.state == .pending)
        #expect(try store.get(txid: replacement.txid.displayHex)?.state == .superseded)
    }

    @Test func doneOnlyAtTheConfiguredDepth() async throws {
        let temp = try TempDir(prefix: "emergency")
        defer { temp.cleanup() }
        let (b, store, fake, clock) = try rig(temp, confirmations: 3)
        let tx = Fixtures.transaction(seed: 43)
        let (row, _) = try await b.submit(raw: tx.serialized())
        fake.set(tx.txid, .block(confirmations: 2))
        clock.advance(seconds: 30)
        var round = await b.processQueue()
        // In a block, not deep enough: watched and still pushed through the drivers.
        #expect(round.seenInBlock.isEmpty && round.broadcast == [row.txid])
        #expect(try store.get(txid: row.txid)?.state == .confirmedMempool)
        fake.set(tx.txid, .block(confirmations: 3))
        round = await b.processQueue()
        #expect(round.seenInBlock == [row.txid] && round.broadcast.isEmpty)
        #expect(try store.get(txid: row.txid)?.state == .confirmedBlock)
    }

    @Test func expiresOnTheClockEvenInTheMempool() async throws {
        let temp = try TempDir(prefix: "emergency")
        defer { temp.cleanup() }
        let (b, store, fake, clock) = try rig(temp, ttl: .seconds(100))
        let tx = Fixtures.transaction(seed: 44)
        let (row, _) = try await b.submit(raw: tx.serialized())
        fake.set(tx.txid, .mempool)
        clock.advance(seconds: 99)
        #expect(await b.processQueue().expired.isEmpty)
        clock.advance(seconds: 1)
        let round = await b.processQueue()
        #expect(round.expired == [row.txid] && round.broadcast.isEmpty)
        #expect(try store.get(txid: row.txid)?.state == .expired)
        let sent = fake.broadcastCount
        clock.advance(seconds: 10_000)
        #expect(await b.processQueue().broadcast.isEmpty && fake.broadcastCount == sent)
    }

    @Test func packageLimits() throws {
        let temp = try TempDir(prefix: "emergency")
        defer { temp.cleanup() }
        let store = try EmergencyStore(path: temp.path + "/q.sqlite")
        let one = try CheckedTransaction(raw: Fixtures.raw(seed: 45))
        #expect(throws: EmergencyError.self) { try store.enqueue(package: [], ttl: .seconds(10)) }
        #expect(throws: EmergencyError.self) { try store.enqueue(package: [one, one], ttl: .seconds(10)) }
        let many = try (0..<26).map { try CheckedTransaction(raw: Fixtures.raw(seed: UInt8(100 + $0))) }
        #expect(throws: EmergencyError.self) { try store.enqueue(package: many, ttl: .seconds(10)) }
        #expect(try store.all().isEmpty)
    }
}
