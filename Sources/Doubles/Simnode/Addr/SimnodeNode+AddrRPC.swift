import BitcoinPrimitives
import JSON

/// The address manager's RPCs (src/rpc/net.cpp): `addpeeraddress` (hidden, for tests),
/// `getnodeaddresses` and `getaddrmaninfo` (v26).
extension SimnodeNode {
    func addrRPC(_ method: String, _ raw: JSONValue) throws(RPCFailure) -> JSONValue {
        switch method {
        case "addpeeraddress": return try addPeerAddress(raw)
        case "getnodeaddresses": return try getNodeAddresses(raw)
        default: return try getAddrmanInfo(raw)
        }
    }

    /// `addpeeraddress "address" port ( tried )`: the address (an IP literal or a Tor v3 name,
    /// never resolved) with NODE_NETWORK | NODE_WITNESS and the current time, its own source.
    /// - Returns: {"success": whether it went into the book (and, with `tried`, moved to tried)}.
    func addPeerAddress(_ raw: JSONValue) throws(RPCFailure) -> JSONValue {
        let p = try RPCParams(method: "addpeeraddress", names: ["address", "port", "tried"], raw: raw)
        let text = try p.string(0)
        let port = try p.int(1)
        guard (0...65535).contains(port) else { throw RPCFailure(RPCFailure.miscError, "JSON integer out of range") }
        let tried = try p.bool(2, default: false)
        var success = false
        if let address = PeerAddress(host: text, port: UInt16(port)) {
            let now = clock()
            if p2p.book.add(address, services: Self.p2pServices, time: now, penalty: 0, now: now) {
                success = true
                if tried { p2p.book.markTried(address) }
            }
        }
        return .object([("success", .bool(success))])
    }

    /// `getnodeaddresses ( count "network" )`: up to `count` (default 1, 0 for all) random
    /// addresses of the book that are not terrible, optionally of one network.
    func getNodeAddresses(_ raw: JSONValue) throws(RPCFailure) -> JSONValue {
        let p = try RPCParams(method: "getnodeaddresses", names: ["count", "network"], raw: raw)
        let count = try p.int(0, default: 1)
        guard count >= 0 else { throw RPCFailure(RPCFailure.invalidParameter, "Address count out of range") }
        var network: AddressNetwork?
        if let name = try p.optionalString(1) {
            guard let n = AddressNetwork(name: name) else {
                throw RPCFailure(RPCFailure.invalidParameter, "Network not recognized: \(name)")
            }
            network = n
        }
        let now = clock()
        var rng = SystemRandomNumberGenerator()
        var chosen = p2p.book.select(max: 0, percent: 0, now: now, using: &rng)
        if let network { chosen = chosen.filter { $0.address.network == network } }
        if count > 0 { chosen = Array(chosen.prefix(count)) }
        return .array(chosen.map { entry in
            .object([
                ("time", .int(entry.time)),
                ("services", .int(Int64(bitPattern: entry.services))),
                ("address", .string(entry.address.host)),
                ("port", .int(Int64(entry.address.port))),
                ("network", .string(entry.address.network.name)),
            ])
        })
    }

    /// `getaddrmaninfo`: new, tried and total per network and over all networks.
    func getAddrmanInfo(_ raw: JSONValue) throws(RPCFailure) -> JSONValue {
        _ = try RPCParams(method: "getaddrmaninfo", names: [], raw: raw)
        let entries = Array(p2p.book.entries.values)
        func counts(_ of: [SimAddressBook.Entry]) -> JSONValue {
            let tried = of.filter(\.tried).count
            return .object([("new", .int(Int64(of.count - tried))), ("tried", .int(Int64(tried))), ("total", .int(Int64(of.count)))])
        }
        var members = AddressNetwork.allCases.map { n in (n.name, counts(entries.filter { $0.address.network == n })) }
        members.append(("all_networks", counts(entries)))
        return .object(members)
    }
}
