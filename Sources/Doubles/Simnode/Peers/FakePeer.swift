import JSON

/// A pretend peer listed by getpeerinfo, to exercise eclipse detectors. simnode has no real
/// outbound connections; the list is whatever the `simsetpeers` control set (a healthy default).
public struct FakePeer: Sendable, Equatable {
    public var id: Int
    public var addr: String
    /// "ipv4", "ipv6", "onion", "i2p", "cjdns", "not_publicly_routable".
    public var network: String
    /// "outbound-full-relay", "block-relay-only", "inbound", "manual", "addr-fetch", "feeler".
    public var connectionType: String
    /// "v1" or "v2" (BIP324); "detecting" for inbound peers not yet classified.
    public var transportProtocolType: String
    public var subver: String
    public var version: Int
    /// nil: follows the node's height (a peer in sync).
    public var syncedHeaders: Int?
    public var syncedBlocks: Int?
    public var startingHeight: Int
    public var mappedAS: Int?
    public var conntime: Int64
    /// False: the peer accepts getblockfrompeer but never sends the block (a stalling peer).
    public var delivers: Bool
    /// When set, getblockfrompeer to this peer fails with RPC_MISC_ERROR and this message, as
    /// bitcoind's FetchBlock does ("Peer not fully connected", "Pre-SegWit peer", ...).
    public var fetchError: String?
    /// A real connection's BIP324 session id (hex) and local address; nil for pretend peers.
    public var sessionID: String?
    public var addrBind: String?

    public var inbound: Bool { connectionType == "inbound" }

    /// Reads a peer from a `simsetpeers` entry; missing fields take plausible defaults.
    /// - Parameters:
    ///   - json: an object with any of addr, network, connection_type, transport_protocol_type,
    ///     subver, version, synced_headers, synced_blocks, startingheight, mapped_as, conntime,
    ///     delivers (false: never answers getblockfrompeer), fetch_error (getblockfrompeer's error).
    ///   - id: the peer id to assign.
    ///   - height: the current height (default for synced_* fields).
    ///   - now: the current time (default conntime).
    /// - Throws: ``RPCFailure`` (RPC_TYPE_ERROR) when a field has the wrong type.
    init(json: JSONValue, id: Int, height: Int, now: Int64) throws(RPCFailure) {
        guard case .object = json else { throw RPCFailure.typeMismatch(json, expected: "object") }
        func str(_ k: String, _ d: String) throws(RPCFailure) -> String {
            switch json[k] {
            case nil, .null?: return d
            case .string(let s)?: return s
            case let other?: throw RPCFailure.typeMismatch(other, expected: "string")
            }
        }
        func int(_ k: String, _ d: Int?) throws(RPCFailure) -> Int? {
            switch json[k] {
            case nil, .null?: return d
            case .int(let i)?: return Int(i)
            case let other?: throw RPCFailure.typeMismatch(other, expected: "number")
            }
        }
        self.id = id
        addr = try str("addr", "203.0.113.\(id % 250 + 1):18444")
        network = try str("network", "ipv4")
        connectionType = try str("connection_type", "outbound-full-relay")
        transportProtocolType = try str("transport_protocol_type", "v2")
        subver = try str("subver", "/Satoshi:26.0.0/")
        version = try int("version", 70016) ?? 70016
        syncedHeaders = try int("synced_headers", nil)
        syncedBlocks = try int("synced_blocks", nil)
        startingHeight = try int("startingheight", height) ?? height
        mappedAS = try int("mapped_as", nil)
        conntime = Int64(try int("conntime", Int(now)) ?? Int(now))
        switch json["delivers"] {
        case nil, .null?: delivers = true
        case .bool(let b)?: delivers = b
        case let other?: throw RPCFailure.typeMismatch(other, expected: "bool")
        }
        fetchError = try str("fetch_error", "").nilIfEmpty
    }

    /// A healthy peer set: eight outbound full-relay peers and two block-relay-only peers in ten
    /// different /16 groups, half of them over BIP324 v2, as a well-connected node has.
    static func defaultSet(height: Int, now: Int64) -> [FakePeer] {
        (0..<10).compactMap { i in
            let json = JSONValue.object([
                ("addr", .string("198.51.\(10 + i * 17).\(20 + i):18444")),
                ("connection_type", .string(i < 8 ? "outbound-full-relay" : "block-relay-only")),
                ("transport_protocol_type", .string(i % 2 == 0 ? "v2" : "v1")),
            ])
            return try? FakePeer(json: json, id: i, height: height, now: now)
        }
    }

    /// The getpeerinfo entry, with bitcoind v26's fields in its order.
    func json(now: Int64, height: Int) -> JSONValue {
        let v2 = transportProtocolType == "v2"
        // NODE_NETWORK | NODE_WITNESS | NODE_NETWORK_LIMITED (| NODE_P2P_V2).
        let services = v2 ? "0000000000000c09" : "0000000000000409"
        var names: [JSONValue] = [.string("NETWORK"), .string("WITNESS"), .string("NETWORK_LIMITED")]
        if v2 { names.append(.string("P2P_V2")) }
        var members: [(String, JSONValue)] = [
            ("id", .int(Int64(id))),
            ("addr", .string(addr)),
            ("addrbind", .string(addrBind ?? "127.0.0.1:\(40000 + id)")),
            ("network", .string(network)),
        ]
        if let mappedAS { members.append(("mapped_as", .int(Int64(mappedAS)))) }
        members += [
            ("services", .string(services)),
            ("servicesnames", .array(names)),
            ("relaytxes", .bool(connectionType != "block-relay-only")),
            ("lastsend", .int(now)), ("lastrecv", .int(now)),
            ("last_transaction", .int(0)), ("last_block", .int(0)),
            ("bytessent", .int(1000)), ("bytesrecv", .int(1000)),
            ("conntime", .int(conntime)), ("timeoffset", .int(0)),
            ("pingtime", .double(0.001)), ("minping", .double(0.001)),
            ("version", .int(Int64(version))), ("subver", .string(subver)),
            ("inbound", .bool(inbound)),
            ("bip152_hb_to", .bool(false)), ("bip152_hb_from", .bool(false)),
            ("startingheight", .int(Int64(startingHeight))),
            ("presynced_headers", .int(-1)),
            ("synced_headers", .int(Int64(syncedHeaders ?? height))),
            ("synced_blocks", .int(Int64(syncedBlocks ?? height))),
            ("inflight", .array([])),
            ("addr_relay_enabled", .bool(connectionType != "block-relay-only")),
            ("addr_processed", .int(0)), ("addr_rate_limited", .int(0)),
            ("permissions", .array([])),
            ("minfeefilter", .amount(1000)),
            ("bytessent_per_msg", .object([])),
            ("bytesrecv_per_msg", .object([])),
            ("connection_type", .string(connectionType)),
            ("transport_protocol_type", .string(transportProtocolType)),
            ("session_id", .string(sessionID ?? (v2 ? String(repeating: "5e", count: 32) : ""))),
        ]
        return .object(members)
    }
}

extension String {
    fileprivate var nilIfEmpty: String? { isEmpty ? nil : self }
}
