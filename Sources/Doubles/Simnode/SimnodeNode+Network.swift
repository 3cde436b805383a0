import JSON

/// Network RPCs (src/rpc/net.cpp, src/rpc/server.cpp), over the pretend peer list.
extension SimnodeNode {
    func network(_ method: String, _ raw: JSONValue) throws(RPCFailure) -> JSONValue {
        _ = try RPCParams(method: method, names: [], raw: raw)
        let now = clock()
        switch method {
        case "getpeerinfo":
            return .array(peers.map { $0.json(now: now, height: chain.height) } + p2pPeerJSON())
        case "getconnectioncount":
            return .int(Int64(peers.count + p2p.peers.count))
        case "ping":
            return .null
        case "uptime":
            return .int(now - startTime)
        case "getzmqnotifications":
            // Core's src/zmq/zmqrpc.cpp: one object per publisher, {type, address, hwm}; simnode
            // publishes every topic on its one endpoint (hwm: Core's default, 1000).
            guard let endpoint = publisher?.endpoint else { return .array([]) }
            return .array(["pubhashblock", "pubhashtx", "pubrawblock", "pubrawtx", "pubsequence"].map { type in
                .object([("type", .string(type)), ("address", .string(endpoint)), ("hwm", .int(1000))])
            })
        case "getnetworkinfo":
            let inbound = peers.filter(\.inbound).count
            let networks: [JSONValue] = ["ipv4", "ipv6", "onion", "i2p", "cjdns"].map { name in
                .object([
                    ("name", .string(name)),
                    ("limited", .bool(name != "ipv4" && name != "ipv6")),
                    ("reachable", .bool(name == "ipv4" || name == "ipv6")),
                    ("proxy", .string("")),
                    ("proxy_randomize_credentials", .bool(false)),
                ])
            }
            return .object([
                ("version", .int(Int64(coreVersion.clientVersion))),
                ("subversion", .string(Self.subversion)),
                ("protocolversion", .int(70016)),
                ("localservices", .string("0000000000000c09")),
                ("localservicesnames", .array(["NETWORK", "WITNESS", "NETWORK_LIMITED", "P2P_V2"].map { .string($0) })),
                ("localrelay", .bool(true)),
                ("timeoffset", .int(0)),
                ("networkactive", .bool(true)),
                ("connections", .int(Int64(peers.count))),
                ("connections_in", .int(Int64(inbound))),
                ("connections_out", .int(Int64(peers.count - inbound))),
                ("networks", .array(networks)),
                ("relayfee", .amount(1000)),
                ("incrementalfee", .amount(1000)),
                ("localaddresses", .array([])),
                ("warnings", coreVersion.noWarnings),
            ])
        default:
            throw RPCFailure(RPCFailure.methodNotFound, "Method not found")
        }
    }
}
