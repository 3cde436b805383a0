import BitcoinPrimitives
import EmergencyQueue
import Foundation

/// `sendemergencytx`: the argument check shared by the command and the control method, and the
/// reply altnetd gives once the transaction is stored and broadcast once.
public enum SendEmergencyTx {
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

    /// One transport's answer, as the control method returns it.
    public struct Transport: Codable, Sendable, Equatable {
        /// A driver name, or `bitcoind`.
        public var transport: String
        public var accepted: Bool
        /// bitcoind's txid or the driver's answer ("sent to N peers"), or why it was refused.
        public var detail: String
        /// The refusal (same text as `detail`), absent when accepted.
        public var reason: String?
    }

    /// The `sendemergencytx` result: the transaction is stored in `DATADIR/emergency.sqlite`
    /// before this is sent, whatever the transports said.
    public struct Report: Codable, Sendable, Equatable {
        public var txid: String
        public var wtxid: String
        /// The queue state after the first broadcast (`pending`, `confirmed-mempool`, ...).
        public var state: String
        /// When the queue gives up re-broadcasting (ISO 8601).
        public var expiresAt: String
        /// How many transports took it; the command exits 0 when this is at least 1.
        public var accepted: Int
        public var transports: [Transport]

        /// - Parameter reply: the queue's answer to one submission.
        public init(_ reply: EmergencySubmitReply) {
            txid = reply.txid
            wtxid = reply.wtxid
            state = reply.state.rawValue
            expiresAt = ISO8601DateFormatter().string(from: reply.expiresAt)
            accepted = reply.results.filter(\.accepted).count
            transports = reply.results.map {
                Transport(transport: $0.transport, accepted: $0.accepted, detail: $0.detail, reason: $0.accepted ? nil : $0.detail)
            }
        }
    }
}
