import BitcoinPrimitives
import Foundation

/// Where an emergency transaction stands.
///
/// ```
///            enqueue
///               |
///               v
///   +------> pending -----------------------------+
///   |           |  seen in bitcoind's mempool      |  in a block with confirmations
///   | dropped   v                                  v  >= emergencyconfirmations
///   +--- confirmed-mempool -------------> confirmed-block (final)
///          (or in a block, fewer confirmations)
///   any active state past expiresAt --------------> expired (final)
///   any active state, a queued transaction spends one of its inputs --> superseded (final)
/// ```
///
/// Both active states are re-broadcast through the drivers on the backoff schedule: bitcoind
/// having the transaction proves nothing when bitcoind is the eclipsed party, so the queue keeps
/// pushing it off this machine until bitcoind reports it buried `emergencyconfirmations` deep.
/// `confirmed-mempool` also covers a block with fewer confirmations than asked for; a
/// transaction that leaves the mempool (eviction, a restart of bitcoind) goes back to `pending`.
public enum EmergencyTxState: String, Sendable, Codable, CaseIterable {
    case pending
    case confirmedMempool = "confirmed-mempool"
    case confirmedBlock = "confirmed-block"
    case expired
    /// Replaced (RBF): a later queued transaction spends one of its inputs.
    case superseded

    /// States the broadcaster still works on.
    public var isActive: Bool { self == .pending || self == .confirmedMempool }
}

/// What one transport said about one broadcast.
public struct TransportResult: Sendable, Codable, Equatable {
    /// "bitcoind", or the name of the driver that carried the transaction.
    public var transport: String
    /// True when the transport took the transaction (bitcoind accepted it into its mempool or
    /// already had it; a driver handed it to at least one peer).
    public var accepted: Bool
    /// The txid bitcoind returned, its rejection reason, or the driver's answer.
    public var detail: String
    /// True for the local bitcoind: its answer is reported on its own line and never counts as
    /// the transaction leaving this machine (bitcoind may be the eclipsed party).
    public var local: Bool

    public init(transport: String, accepted: Bool, detail: String, local: Bool = false) {
        self.transport = transport
        self.accepted = accepted
        self.detail = detail
        self.local = local
    }

    enum CodingKeys: String, CodingKey { case transport, accepted, detail, local }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        transport = try c.decode(String.self, forKey: .transport)
        accepted = try c.decode(Bool.self, forKey: .accepted)
        detail = try c.decode(String.self, forKey: .detail)
        // Rows written before the field existed: bitcoind was the only local transport.
        local = try c.decodeIfPresent(Bool.self, forKey: .local) ?? (transport == "bitcoind")
    }
}

/// One queued emergency transaction, as stored.
///
/// JSON form (the `sendemergencytx` reply): ids in display hex, `hex` the raw transaction,
/// times as ISO 8601 (`Date`'s default strategy is the caller's choice).
public struct EmergencyTx: Sendable, Codable, Equatable {
    /// The txid in display order (as bitcoind prints it).
    public var txid: String
    /// The wtxid in display order (equal to the txid without witness data).
    public var wtxid: String
    /// The serialised transaction, witness included.
    public var raw: [UInt8]
    public var createdAt: Date
    /// After this the broadcaster gives up and marks the transaction `expired`.
    public var expiresAt: Date
    public var state: EmergencyTxState
    /// Broadcast rounds so far (each sends through every transport).
    public var attempts: Int
    public var lastAttemptAt: Date?
    /// Per-transport answers of the latest round.
    public var lastResults: [TransportResult]
    /// The package (CPFP) this transaction was queued with: the txid of its last member (the
    /// child), nil for a transaction queued alone.
    public var package: String?
    /// Its place in the package, 0 first (parents before children).
    public var position: Int

    public init(
        txid: String, wtxid: String, raw: [UInt8], createdAt: Date, expiresAt: Date, state: EmergencyTxState,
        attempts: Int, lastAttemptAt: Date?, lastResults: [TransportResult], package: String? = nil, position: Int = 0
    ) {
        self.package = package
        self.position = position
        self.txid = txid
        self.wtxid = wtxid
        self.raw = raw
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.state = state
        self.attempts = attempts
        self.lastAttemptAt = lastAttemptAt
        self.lastResults = lastResults
    }

    enum CodingKeys: String, CodingKey {
        case txid, wtxid, hex, createdAt, expiresAt, state, attempts, lastAttemptAt, lastResults, package, position
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        txid = try c.decode(String.self, forKey: .txid)
        wtxid = try c.decode(String.self, forKey: .wtxid)
        let hex = try c.decode(String.self, forKey: .hex)
        do {
            raw = try Hex.decode(hex)
        } catch {
            throw Swift.DecodingError.dataCorruptedError(forKey: .hex, in: c, debugDescription: "\(error)")
        }
        createdAt = try c.decode(Date.self, forKey: .createdAt)
        expiresAt = try c.decode(Date.self, forKey: .expiresAt)
        state = try c.decode(EmergencyTxState.self, forKey: .state)
        attempts = try c.decode(Int.self, forKey: .attempts)
        lastAttemptAt = try c.decodeIfPresent(Date.self, forKey: .lastAttemptAt)
        lastResults = try c.decode([TransportResult].self, forKey: .lastResults)
        package = try c.decodeIfPresent(String.self, forKey: .package)
        position = try c.decodeIfPresent(Int.self, forKey: .position) ?? 0
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(txid, forKey: .txid)
        try c.encode(wtxid, forKey: .wtxid)
        try c.encode(raw.hex, forKey: .hex)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(expiresAt, forKey: .expiresAt)
        try c.encode(state, forKey: .state)
        try c.encode(attempts, forKey: .attempts)
        try c.encodeIfPresent(lastAttemptAt, forKey: .lastAttemptAt)
        try c.encode(lastResults, forKey: .lastResults)
        try c.encodeIfPresent(package, forKey: .package)
        try c.encode(position, forKey: .position)
    }

    /// The txid as a hash (internal byte order), for RPC calls.
    public var txidHash: Hash256? { try? Hash256(displayHex: txid) }
}
