import BitcoinPrimitives

/// Whether bitcoind knows a transaction.
public enum EmergencySeen: Sendable, Equatable {
    /// In bitcoind's mempool.
    case mempool
    /// In a block of bitcoind's active chain.
    case block
    /// Neither, as far as can be told (or bitcoind could not be asked).
    case unknown
}

/// What the broadcaster needs from the outside world. The daemon adapts its Altstack (every
/// driver that carries transactions) and bitcoind's RPC to it; ``BitcoindEmergencyTransports``
/// is that adapter with the driver half passed in as a closure.
public protocol EmergencyTransports: Sendable {
    /// Sends the transaction through every transport once.
    /// - Parameter raw: the serialised transaction.
    /// - Returns: one result per transport (bitcoind's sendrawtransaction and each driver).
    func broadcast(raw: [UInt8]) async -> [TransportResult]

    /// Asks bitcoind whether it has the transaction.
    /// - Parameters:
    ///   - txid: the transaction id.
    ///   - outputCount: how many outputs it has (a block is detected through its outputs, since
    ///     bitcoind without -txindex cannot look a confirmed transaction up by txid).
    /// - Returns: where bitcoind has it, or `.unknown`.
    func isKnown(txid: Hash256, outputCount: Int) async -> EmergencySeen
}
