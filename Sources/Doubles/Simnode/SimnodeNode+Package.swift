import BitcoinPrimitives
import JSON

/// `submitpackage` (src/rpc/mempool.cpp; regtest-only in v26 and v27, simnode is regtest) and
/// `setnetworkactive` (src/rpc/net.cpp).
extension SimnodeNode {
    /// Core's MAX_PACKAGE_COUNT (src/policy/packages.h).
    static let maxPackageCount = 25

    /// `submitpackage ["rawtx",...]`: decodes every member first (any failure refuses the whole
    /// package, as Core's decode loop does), then puts each in the mempool in the given order
    /// and announces it to peers (simnode has no UTXO set: fees are zero, no policy).
    ///
    /// Result as v26: {"tx-results": {wtxid: {"txid", "vsize", "fees": {"base",
    /// "effective-feerate", "effective-includes"}}}, "replaced-transactions": []}; v28 adds
    /// "package_msg": "success" first.
    func submitPackage(_ raw: JSONValue) throws(RPCFailure) -> JSONValue {
        let p = try RPCParams(method: "submitpackage", names: ["package", "maxfeerate", "maxburnamount"], raw: raw)
        guard case .array(let items) = try p.required(0) else {
            throw RPCFailure.typeMismatch(p[0], expected: "array")
        }
        guard (1...Self.maxPackageCount).contains(items.count) else {
            throw RPCFailure(RPCFailure.invalidParameter, "Array must contain between 1 and \(Self.maxPackageCount) transactions.")
        }
        var package: [SimTransaction] = []
        for item in items {
            guard case .string(let hex) = item, let bytes = try? Hex.decode(hex), let tx = try? SimTransaction(bytes: bytes) else {
                let text: String = if case .string(let s) = item { s } else { "" }
                throw RPCFailure(RPCFailure.deserializationError, "TX decode failed: \(text) Make sure the prev outs exist.")
            }
            guard !Self.isCoinbase(tx) else { throw RPCFailure(RPCFailure.verifyRejected, "coinbase") }
            package.append(tx)
        }
        var results: [(String, JSONValue)] = []
        for tx in package {
            addToMempool(tx)
            results.append((tx.wtxid.displayHex, .object([
                ("txid", .string(tx.txid.displayHex)),
                ("vsize", .int(Int64(tx.vsize))),
                ("fees", .object([
                    ("base", .amount(0)), ("effective-feerate", .amount(0)),
                    ("effective-includes", .array([.string(tx.wtxid.displayHex)])),
                ])),
            ])))
        }
        var reply: [(String, JSONValue)] = [("tx-results", .object(results)), ("replaced-transactions", .array([]))]
        if coreVersion >= .v28 { reply.insert(("package_msg", .string("success")), at: 0) }
        return .object(reply)
    }

    /// `setnetworkactive state`: false closes every P2P connection, refuses new ones (inbound
    /// and outbound) and drops the pretend peers; true accepts connections again. Returns the
    /// new state, as bitcoind.
    func setNetworkActive(_ raw: JSONValue) throws(RPCFailure) -> JSONValue {
        let p = try RPCParams(method: "setnetworkactive", names: ["state"], raw: raw)
        guard case .bool(let active) = try p.required(0) else {
            throw RPCFailure.typeMismatch(p[0], expected: "bool")
        }
        p2p.networkActive = active
        if !active {
            let open = p2p.peers.values
            p2p.peers = [:]
            for peer in open { peer.disconnect() }
            peers = []
        }
        return .bool(active)
    }
}
