import Foundation

/// The answer to one submission, as `sendemergencytx` prints it and the control method
/// `sendemergencytx {"tx": hex}` returns it:
///
/// ```json
/// {"txid": "...", "wtxid": "...", "state": "pending", "expiresAt": ..., "accepted": true,
///  "results": [{"transport": "bitcoind", "accepted": true, "detail": "<txid>"},
///              {"transport": "bip324", "accepted": true, "detail": "..."}]}
/// ```
/// `accepted` is true when at least one transport took the transaction: the command's exit 0.
/// The transaction is stored either way and re-broadcast until seen or expired.
public struct EmergencySubmitReply: Sendable, Codable, Equatable {
    public var txid: String
    public var wtxid: String
    public var state: EmergencyTxState
    public var expiresAt: Date
    public var accepted: Bool
    public var results: [TransportResult]

    /// - Parameters:
    ///   - tx: the stored row after the first broadcast.
    ///   - results: each transport's answer to it.
    public init(tx: EmergencyTx, results: [TransportResult]) {
        txid = tx.txid
        wtxid = tx.wtxid
        state = tx.state
        expiresAt = tx.expiresAt
        accepted = results.contains { $0.accepted }
        self.results = results
    }
}
