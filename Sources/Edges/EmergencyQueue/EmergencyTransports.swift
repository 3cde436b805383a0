import BitcoinPrimitives

/// Whether bitcoind knows a transaction.
public enum EmergencySeen: Sendable, Equatable {
    /// In bitcoind's mempool.
    case mempool
    /// In a block of bitcoind's active chain, this many confirmations deep (1: the tip).
    case block(confirmations: Int)
    /// Neither, as far as can be told (or bitcoind could not be asked).
    case unknown
}

/// What the broadcaster needs from the outside world. The daemon adapts its Altstack (every
/// driver that carries transactions) and bitcoind's RPC to it; ``BitcoindEmergencyTransports``
/// is that adapter with the driver half passed in as a closure.
public protocol EmergencyTransports: Sendable {
    /// Sends the transaction through every transport once.
    /// - Parameter raw: the serialised transaction.
    /// - Returns: one result per transport: the local bitcoind's (``TransportResult/local``)
    ///   and each driver's.
    func broadcast(raw: [UInt8]) async -> [TransportResult]

    /// Sends a package (parents first, the child last) through every transport once, in order:
    /// `submitpackage` to bitcoind where it has it, one transaction after the other over the
    /// drivers (parent before child on P2P).
    /// - Parameter package: the serialised transactions, at least one.
    /// - Returns: one result per transport, accepted when it took every member.
    func broadcast(package: [[UInt8]]) async -> [TransportResult]

    /// Asks bitcoind whether it has the transaction.
    /// - Parameters:
    ///   - txid: the transaction id.
    ///   - outputCount: how many outputs it has (a block is detected through its outputs, since
    ///     bitcoind without -txindex cannot look a confirmed transaction up by txid).
    /// - Returns: where bitcoind has it, or `.unknown`.
    func isKnown(txid: Hash256, outputCount: Int) async -> EmergencySeen
}

extension EmergencyTransports {
    /// Each member through ``broadcast(raw:)`` in order, the results merged per transport.
    public func broadcast(package: [[UInt8]]) async -> [TransportResult] {
        var rounds: [[TransportResult]] = []
        for raw in package { rounds.append(await broadcast(raw: raw)) }
        return TransportResult.merge(rounds)
    }
}

extension TransportResult {
    /// Per transport (in first-seen order): accepted when it accepted in every round, the
    /// details joined with "; ".
    /// - Parameter rounds: one result list per package member.
    /// - Returns: one result per transport.
    public static func merge(_ rounds: [[TransportResult]]) -> [TransportResult] {
        guard rounds.count > 1 else { return rounds.first ?? [] }
        var order: [String] = []
        var merged: [String: TransportResult] = [:]
        for round in rounds {
            for r in round {
                if var m = merged[r.transport] {
                    m.accepted = m.accepted && r.accepted
                    m.detail += "; " + r.detail
                    merged[r.transport] = m
                } else {
                    order.append(r.transport)
                    merged[r.transport] = r
                }
            }
        }
        // A transport missing from some round did not take that member.
        return order.compactMap { name in
            merged[name].map { m in
                var m = m
                if rounds.contains(where: { round in !round.contains { $0.transport == name } }) { m.accepted = false }
                return m
            }
        }
    }
}
