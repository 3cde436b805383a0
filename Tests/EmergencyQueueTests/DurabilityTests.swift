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
            let line = try await offPool { () throws -> String in
                let process = Process()
                process.executableURL = URL(fileURLWithPath: child)
                process.arguments = [path, tx.serialized().hex]
                let out = Pipe()
                process.standardOutput = out
                process.standardError = FileHandle.nullDevice
                try process.run()
                defer {
                    if process.isRunning { kill(process.processIdentifier, SIGKILL) }
                    process.waitUntilExit()
                }
                var data = Data()
                let deadline = Date().addingTimeInterval(30)
                while !data.contains(UInt8(ascii: "\n")), Date() < deadline {
                    let chunk = out.fileHandleForReading.availableData
                    if chunk.isEmpty { break }
                    data.append(chunk)
                }
                // SIGKILL at once: no atexit, no deinit, no checkpoint; only what was committed.
                kill(process.processIdentifier, SIGKILL)
                return String(decoding: data, as: UTF8.self)
            }
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
