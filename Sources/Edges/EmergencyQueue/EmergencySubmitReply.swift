import Foundation

/// The answer to one submission, as `sendemergencytx` prints it and the control method
/// `sendemergencytx {"tx": hex}` returns it:
///
/// ```json
/// {"txid": "...", "wtxid": "...", "state": "pending", "expiresAt": ..., "accepted": true,
///  "results": [{"transport": "bitcoind", "accepted": true, "detail": "<txid>"},
///              {"transport": "bip324", "accepted": true, "detail": "..."}]}
/// ```
/// `accepted` is true when at least one transport carried the transaction off this machine (a
/// driver handed it to a peer): the command's exit 0. The local bitcoind's answer (the result
/// marked ``TransportResult/local``) never counts: bitcoind may be the eclipsed party. The
/// transaction is stored either way and re-broadcast until buried or expired.
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
        accepted = results.contains { !$0.local && $0.accepted }
        self.results = results
    }
}
