/// Why an emergency transaction was refused or could not be stored.
///
/// A struct over a reason enum so reasons can be added; ``description`` tells the user what to do.
public struct EmergencyError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        /// The input is not hexadecimal (odd length, a non-hex character, empty).
        case malformedHex(String)
        /// The bytes do not parse as exactly one transaction.
        case notATransaction(String)
        /// Weight above Core's MAX_STANDARD_TX_WEIGHT: no node relays it.
        case tooLarge(weight: Int, limit: Int)
        /// A coinbase cannot be broadcast (Core's sendrawtransaction refuses it too).
        case coinbase
        /// The queue holds its maximum of active transactions.
        case queueFull(limit: Int)
        /// No transaction with this txid is queued.
        case unknownTxid(String)
        /// The database file could not be opened or migrated (not SQLite, no permission, locked).
        case cannotOpen(path: String, detail: String)
        /// A read or write failed after opening.
        case storage(String)
    }

    public let reason: Reason

    public init(_ reason: Reason) { self.reason = reason }

    public var description: String {
        switch reason {
        case .malformedHex(let d): return "malformed transaction hex: \(d)"
        case .notATransaction(let d): return "not a transaction: \(d)"
        case .tooLarge(let weight, let limit):
            return "transaction weight \(weight) exceeds the standard limit \(limit) (\(limit / 4) vbytes): no node would relay it"
        case .coinbase: return "a coinbase transaction cannot be broadcast"
        case .queueFull(let limit):
            return "emergency queue full: \(limit) transactions still pending; wait for them to confirm or expire"
        case .unknownTxid(let txid): return "no emergency transaction \(txid) in the queue"
        case .cannotOpen(let path, let d): return "cannot open the emergency queue \(path): \(d)"
        case .storage(let d): return "emergency queue storage failed: \(d)"
        }
    }
}
