import Altstack
import BitcoinPrimitives
import BitcoindRPC
import DriverProtocol
import Metrics

/// `sendemergencytx`: one transaction pushed out through every transaction-capable driver and
/// through bitcoind's `sendrawtransaction`, with one result per transport.
public enum EmergencyTx {
    /// Why a `sendemergencytx` argument is not a transaction.
    public struct Malformed: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// Parses and checks a raw transaction given as hex.
    /// - Parameter text: the hex (surrounding blanks ignored).
    /// - Returns: the bytes and the parsed transaction.
    /// - Throws: ``Malformed`` saying whether the hex or the transaction is wrong.
    public static func parse(hex text: String) throws(Malformed) -> (bytes: [UInt8], tx: Transaction) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw Malformed(description: "no transaction given (empty input)") }
        let bytes: [UInt8]
        do {
            bytes = try [UInt8](hex: trimmed)
        } catch {
            throw Malformed(description: "not hex: \(error)")
        }
        let tx: Transaction
        do {
            tx = try Transaction(bytes: bytes)
        } catch {
            throw Malformed(description: "not a transaction: \(error)")
        }
        guard !tx.inputs.isEmpty, !tx.outputs.isEmpty else {
            throw Malformed(description: "not a transaction: it has no inputs or no outputs")
        }
        return (bytes, tx)
    }

    /// One transport's answer.
    public struct TransportResult: Codable, Sendable, Equatable {
        /// A driver name, or `bitcoind`.
        public var transport: String
        public var accepted: Bool
        /// Peers the driver sent it to (nil for bitcoind).
        public var peers: Int?
        /// Why it was not accepted.
        public var reason: String?
    }

    /// The `sendemergencytx` result.
    public struct Report: Codable, Sendable, Equatable {
        public var txid: String
        public var accepted: Int
        public var transports: [TransportResult]
    }

    /// bitcoind's `sendrawtransaction` as one transport.
    static func sendLocally(_ bytes: [UInt8], bitcoind: BitcoindRPCClient) async -> TransportResult {
        do {
            _ = try await bitcoind.sendRawTransaction(bytes)
            return TransportResult(transport: "bitcoind", accepted: true)
        } catch {
            // Already known to bitcoind (in its mempool or a block) counts as accepted.
            let known = error.description.contains("already")
            return TransportResult(transport: "bitcoind", accepted: known, reason: error.description)
        }
    }

    /// Broadcasts through the drivers and bitcoind at once.
    /// - Parameters:
    ///   - bytes: the checked transaction.
    ///   - tx: its parse.
    ///   - altstack: the drivers.
    ///   - bitcoind: the local node.
    ///   - timeout: the deadline per transport.
    /// - Returns: one result per transport, drivers first.
    public static func broadcast(bytes: [UInt8], tx: Transaction, altstack: Altstack, bitcoind: BitcoindRPCClient,
                                 timeout: Duration = .seconds(30)) async -> Report {
        let hex = bytes.hex
        async let drivers = altstack.broadcastTx(hex, timeout: timeout)
        async let local = sendLocally(bytes, bitcoind: bitcoind)
        var results = await drivers.map { outcome -> TransportResult in
            switch outcome.result {
            case .success(let r): TransportResult(transport: outcome.driver, accepted: r.accepted, peers: r.peers, reason: r.reason)
            case .failure(let e): TransportResult(transport: outcome.driver, accepted: false, reason: e.description)
            }
        }
        results.append(await local)
        for result in results {
            Counter(label: "altnet_emergency_txs_total",
                    dimensions: [("transport", result.transport), ("outcome", result.accepted ? "accepted" : "rejected")]).increment()
        }
        return Report(txid: tx.txid.displayHex, accepted: results.filter(\.accepted).count, transports: results)
    }
}
