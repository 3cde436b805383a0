import BitcoinPrimitives
import EmergencyQueue
import Foundation
import Synchronization

/// Transactions built for the tests (simnode checks structure only, so any outpoint will do).
enum Fixtures {
    /// A legacy transaction spending a made-up outpoint to OP_TRUE outputs.
    /// - Parameters:
    ///   - seed: varies the spent outpoint, so each seed gives another txid.
    ///   - outputs: how many outputs.
    ///   - outputScriptSize: bytes of the first output's script (to reach a weight).
    static func transaction(seed: UInt8, outputs: Int = 1, outputScriptSize: Int = 1) -> Transaction {
        let prev = Txid(Hash256.sha256d(of: [seed, 0xe5]))
        let first = TxOut(value: 40_000, scriptPubKey: [UInt8](repeating: 0x51, count: outputScriptSize))
        let rest = (1..<max(outputs, 1)).map { i in TxOut(value: 1_000 + Int64(i), scriptPubKey: [0x51]) }
        return Transaction(
            version: 2,
            inputs: [TxIn(previousOutput: OutPoint(txid: prev, index: UInt32(seed)), scriptSig: [0x51], sequence: 0xffff_fffd)],
            outputs: [first] + rest, lockTime: 0)
    }

    /// The same with a witness stack on its input (txid differs from wtxid).
    static func witnessTransaction(seed: UInt8) -> Transaction {
        var tx = transaction(seed: seed)
        tx.inputs[0].scriptSig = []
        tx.inputs[0].witness = [[0x01, 0x02, 0x03], [0x51]]
        return tx
    }

    static func raw(seed: UInt8) -> [UInt8] { transaction(seed: seed).serialized() }
}

/// A clock the test moves by hand.
final class TestClock: Sendable {
    private let now: Mutex<Date>
    init(_ start: Date = Date(timeIntervalSince1970: 1_800_000_000)) { now = Mutex(start) }
    func callAsFunction() -> Date { now.withLock { $0 } }
    func advance(seconds: Double) { now.withLock { $0 = $0.addingTimeInterval(seconds) } }
    var function: @Sendable () -> Date { { [self] in self() } }
}

/// Transports with a switch for what bitcoind "knows" and a log of broadcasts.
final class FakeTransports: EmergencyTransports {
    struct State {
        var seen: [Hash256: EmergencySeen] = [:]
        var broadcasts: [[UInt8]] = []
        var outputCounts: [Int] = []
    }
    let state = Mutex(State())
    let accept: Bool

    init(accept: Bool = true) { self.accept = accept }

    func broadcast(raw: [UInt8]) async -> [TransportResult] {
        state.withLock { $0.broadcasts.append(raw) }
        return [
            TransportResult(transport: "bitcoind", accepted: accept, detail: accept ? "ok" : "bad-txns-inputs-missingorspent"),
            TransportResult(transport: "bip324", accepted: true, detail: "sent to 2 peers"),
        ]
    }

    func isKnown(txid: Hash256, outputCount: Int) async -> EmergencySeen {
        state.withLock {
            $0.outputCounts.append(outputCount)
            return $0.seen[txid] ?? .unknown
        }
    }

    func set(_ txid: Txid, _ seen: EmergencySeen) { state.withLock { $0.seen[txid.hash] = seen } }
    var broadcastCount: Int { state.withLock { $0.broadcasts.count } }
}
