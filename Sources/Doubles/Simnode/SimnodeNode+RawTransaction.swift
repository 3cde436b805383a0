import BitcoinPrimitives
import JSON

/// `getrawtransaction txid ( verbosity blockhash )` (src/rpc/rawtransaction.cpp, v26) for a
/// node without -txindex, as simnode is: the mempool, or the block named by `blockhash`.
///
/// - verbosity 0 (or false): the hex. 1 and above (or true): an object with txid, hash, size,
///   vsize, weight and hex (the decoded vin/vout are left out, as in simnode's getblock), then,
///   for a transaction found in a block: blockhash, and `confirmations` (1 + tip height - block
///   height) with time and blocktime when the block is on the active chain, else
///   `confirmations` 0; `in_active_chain` comes first whenever `blockhash` was given.
/// - Not found without `blockhash`: -5 "No such mempool transaction. Use -txindex or provide a
///   block hash to enable blockchain transaction queries. Use gettransaction for wallet
///   transactions."; with it: -5 "Block hash not found" or "No such transaction found in the
///   provided block. Use gettransaction for wallet transactions."; the genesis coinbase: -5.
extension SimnodeNode {
    func getRawTransaction(_ raw: JSONValue) throws(RPCFailure) -> JSONValue {
        let p = try RPCParams(method: "getrawtransaction", names: ["txid", "verbosity", "blockhash"], raw: raw)
        let txid = try p.hash(0, name: "txid")
        let verbosity: Int
        switch p[1] {
        case .null: verbosity = 0
        case .bool(let b): verbosity = b ? 1 : 0
        default: verbosity = try p.int(1)
        }
        if chain.hash(atHeight: 0).flatMap({ chain.entry($0)?.block?.transactions.first?.txid }) == txid {
            throw RPCFailure(RPCFailure.invalidAddressOrKey,
                             "The genesis block coinbase is not considered an ordinary transaction and cannot be retrieved")
        }
        let found: (tx: SimTransaction, entry: BlockEntry?)
        if case .null = p[2] {
            guard let entry = mempool[txid] else {
                throw RPCFailure(RPCFailure.invalidAddressOrKey, "No such mempool transaction. Use -txindex or provide a block hash "
                    + "to enable blockchain transaction queries. Use gettransaction for wallet transactions.")
            }
            found = (entry.tx, nil)
        } else {
            let blockHash = try p.hash(2, name: "parameter 3")
            guard let entry = chain.entry(BlockHash(blockHash)) else {
                throw RPCFailure(RPCFailure.invalidAddressOrKey, "Block hash not found")
            }
            guard let tx = entry.block?.transactions.first(where: { $0.txid == txid }) else {
                throw RPCFailure(RPCFailure.invalidAddressOrKey, "No such transaction found in the provided block. Use gettransaction for wallet transactions.")
            }
            found = (tx, entry)
        }
        guard verbosity > 0 else { return .string(found.tx.bytes.hex) }
        var fields: [(String, JSONValue)] = []
        if let entry = found.entry { fields.append(("in_active_chain", .bool(chain.isActive(entry)))) }
        fields += [
            ("txid", .string(found.tx.txid.displayHex)), ("hash", .string(found.tx.wtxid.displayHex)),
            ("size", .int(Int64(found.tx.bytes.count))), ("vsize", .int(Int64(found.tx.vsize))),
            ("weight", .int(Int64(found.tx.weight))), ("hex", .string(found.tx.bytes.hex)),
        ]
        if let entry = found.entry {
            fields.append(("blockhash", .string(entry.hash.displayHex)))
            if chain.isActive(entry) {
                fields.append(("confirmations", .int(Int64(1 + chain.height - entry.height))))
                fields.append(("time", .int(Int64(entry.header.time))))
                fields.append(("blocktime", .int(Int64(entry.header.time))))
            } else {
                fields.append(("confirmations", .int(0)))
            }
        }
        return .object(fields)
    }
}
