import BitcoinPrimitives

/// Transactions we announced, kept to serve the peers' `getdata` (by txid and by wtxid), oldest
/// dropped beyond `capacity`. Not thread-safe: ``PeerRegistry`` holds it under its lock.
public struct TxStore: Sendable {
    public let capacity: Int
    private var byHash: [Hash256: [UInt8]] = [:]
    private var order: [(Hash256, Hash256)] = []

    public init(capacity: Int = 1000) { self.capacity = capacity }

    /// Keeps `tx` (its serialization with witness) for later `getdata`.
    public mutating func add(_ tx: Transaction, bytes: [UInt8]) {
        let ids = (tx.txid.hash, tx.wtxid.hash)
        if byHash[ids.0] == nil { order.append(ids) }
        byHash[ids.0] = bytes
        byHash[ids.1] = bytes
        while order.count > capacity {
            let (txid, wtxid) = order.removeFirst()
            byHash[txid] = nil
            byHash[wtxid] = nil
        }
    }

    /// Splits a `getdata` into the transactions we hold and the rest.
    /// - Returns: the serialized transactions to send, and the other entries.
    public func serve(_ request: [Inventory]) -> (txs: [[UInt8]], rest: [Inventory]) {
        var txs: [[UInt8]] = []
        var rest: [Inventory] = []
        for item in request {
            let base = item.type.base
            if base == .tx || base == .wtx, let bytes = byHash[item.hash] {
                txs.append(bytes)
            } else {
                rest.append(item)
            }
        }
        return (txs, rest)
    }
}
