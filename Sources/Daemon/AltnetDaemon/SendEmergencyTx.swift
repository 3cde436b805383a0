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
    ///
    /// `accepted` and `transports` are the drivers only: what carried the transaction off this
    /// machine to a peer. The local bitcoind's answer is `bitcoind`, on its own line: bitcoind
    /// accepting proves nothing when bitcoind is the eclipsed party.
    public struct Report: Codable, Sendable, Equatable {
        /// The transaction (a package's last member, the child).
        public var txid: String
        public var wtxid: String
        /// The queue state after the first broadcast (`pending`, `confirmed-mempool`, ...).
        public var state: String
        /// When the queue gives up re-broadcasting (ISO 8601).
        public var expiresAt: String
        /// How many drivers carried it to at least one peer; the command exits 0 when this is
        /// at least 1.
        public var accepted: Int
        /// The local bitcoind's answer (sendrawtransaction or submitpackage), never counted above.
        public var bitcoind: Transport?
        /// Each driver's answer.
        public var transports: [Transport]
        /// For a package: every member's txid, parents first.
        public var package: [String]?

        /// - Parameter reply: the queue's answer to one submission.
        public init(_ reply: EmergencySubmitReply) {
            txid = reply.txid
            wtxid = reply.wtxid
            state = reply.state.rawValue
            expiresAt = ISO8601DateFormatter().string(from: reply.expiresAt)
            accepted = reply.results.filter { !$0.local && $0.accepted }.count
            func line(_ r: TransportResult) -> Transport {
                Transport(transport: r.transport, accepted: r.accepted, detail: r.detail, reason: r.accepted ? nil : r.detail)
            }
            bitcoind = reply.results.first(where: \.local).map(line)
            transports = reply.results.filter { !$0.local }.map(line)
        }
    }
}
