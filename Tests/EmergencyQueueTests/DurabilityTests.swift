import BitcoinPrimitives
import EmergencyQueue
import Foundation
import TestSupport
import Testing

/// kill -9 right after enqueue returns: the row is on disk.
@Suite struct DurabilityTests {
    @Test func rowSurvivesSIGKILLRightAfterEnqueueReturns() async throws {
        let child = try BuiltProduct.path("altnet-emergency-child")
        let temp = try TempDir(prefix: "emergency")
        defer { temp.cleanup() }
        let dir = temp.path
        let path = dir + "/emergency.sqlite"
        let txs = (20..<25).map { Fixtures.witnessTransaction(seed: UInt8($0)) }
        for tx in txs {
            let process = try SpawnedProcess(child, [path, tx.serialized().hex], stderrPath: dir + "/child.stderr")
            defer { process.kill() }
            let line = try await offPool { process.readLine(timeout: 30) }
            // SIGKILL at once: no atexit, no deinit, no checkpoint; only what was committed.
            process.kill()
            #expect(line == "enqueued \(tx.txid.displayHex)\n")
        }
        let store = try EmergencyStore(path: path)
        let rows = try store.pending()
        #expect(rows.map(\.txid).sorted() == txs.map(\.txid.displayHex).sorted())
        for tx in txs {
            #expect(try store.get(txid: tx.txid.displayHex)?.raw == tx.serialized())
        }
    }
}
