import BitcoinPrimitives
import DriverProtocol
import JSON

/// The BIP324 driver's discovery and connection options (issue #19), parsed from `init`
/// options (command-line flags merged in). docs/driver-bip324.md documents each key.
public struct DiscoveryOptions: Sendable, Equatable {
    /// `connect`: only these peers, no discovery at all (bitcoind's -connect).
    public var connect: [HostPort] = []
    /// `addnode`: always kept connected, besides discovery.
    public var addnode: [HostPort] = []
    /// `dnsseed`: look up DNS seeds when the address manager has too few addresses.
    public var dnsSeed = true
    /// `seeds`: DNS seed names (default: the network's, ``SeedList``).
    public var seeds: [String] = []
    /// `seedport`: the port given to addresses from DNS and fixed seeds.
    public var seedPort: UInt16 = 8333
    /// `resolver`: the DNS server (else /etc/resolv.conf's).
    public var resolver: HostPort?
    /// `fixedseeds`: fall back to the fixed seeds when DNS gave nothing within 60 s.
    public var fixedSeeds = true
    /// `fixedseedsdelay`: how long DNS, anchors and `addnode` get before the fixed seeds (Core: 60 s).
    public var fixedSeedsDelay: Duration = .seconds(60)
    /// `maxoutbound`: outbound peers kept, from distinct groups.
    public var maxOutbound = 8
    /// `externalip`: our address as advertised to peers.
    public var externalIP: PeerAddress?
    /// `proxy`: SOCKS5 for every outbound connection.
    public var proxy: HostPort?
    /// `onion`: SOCKS5 for .onion destinations only.
    public var onion: HostPort?
    /// `onlynet`: the networks dialled (default ipv4, ipv6, and onion when a proxy reaches it).
    public var onlyNet: Set<AddressNetwork> = [.ipv4, .ipv6, .torV3]
    /// `bantime`: seconds a misbehaving peer stays banned.
    public var banTime: Int64 = 86_400
    /// `addrrelayms`: average wait between batches of relayed addresses to one peer (Core: 30 s).
    public var addrRelayInterval: Duration = .seconds(30)
    /// `testloopbackgroups` (tests only): 127/8 accepted and grouped by /16.
    public var testLoopbackGroups = false

    public init() {}

    /// Discovery is on unless `connect` names the peers.
    public var discovers: Bool { connect.isEmpty }

    /// Parses the options.
    /// - Parameters:
    ///   - options: `init` options (flags already merged in).
    ///   - network: the chain, for the default seeds and port.
    /// - Throws: ``DriverProtocolError`` (`invalidParams`) naming the key and what is wrong.
    public init(_ options: [String: JSONValue], network: Network) throws(DriverProtocolError) {
        connect = try Self.endpoints(options["connect"], key: "connect")
        addnode = try Self.endpoints(options["addnode"], key: "addnode")
        let port = options["seedport"]
        if let port {
            guard let value = port.intValue, (1...65535).contains(value) else { throw Self.bad("seedport", "an integer from 1 to 65535") }
            seedPort = UInt16(value)
        } else {
            seedPort = UInt16(ChainParams.forNetwork(network).defaultP2PPort)
        }
        dnsSeed = try Self.bool(options["dnsseed"], key: "dnsseed") ?? connect.isEmpty
        fixedSeeds = try Self.bool(options["fixedseeds"], key: "fixedseeds") ?? true
        if let value = options["fixedseedsdelay"] {
            guard let n = value.intValue, (0...86_400).contains(n) else { throw Self.bad("fixedseedsdelay", "seconds from 0 to 86400") }
            fixedSeedsDelay = .seconds(n)
        }
        if let value = options["addrrelayms"] {
            guard let n = value.intValue, (1...3_600_000).contains(n) else { throw Self.bad("addrrelayms", "milliseconds from 1 to 3600000") }
            addrRelayInterval = .milliseconds(n)
        }
        testLoopbackGroups = try Self.bool(options["testloopbackgroups"], key: "testloopbackgroups") ?? false
        let names = try Self.strings(options["seeds"], key: "seeds")
        for name in names where name.isEmpty || name.utf8.count > 253 || name.contains(":") || name.contains(" ") {
            throw Self.bad("seeds", "host names (\"\(name.prefix(60))\" is not one)")
        }
        seeds = names.isEmpty && options["seeds"] == nil ? SeedList.dnsSeeds(network: network) : names
        resolver = try Self.endpoint(options["resolver"], key: "resolver", defaultPort: 53)
        proxy = try Self.endpoint(options["proxy"], key: "proxy", defaultPort: nil)
        onion = try Self.endpoint(options["onion"], key: "onion", defaultPort: nil)
        if let value = options["maxoutbound"] {
            guard let n = value.intValue, (0...64).contains(n) else { throw Self.bad("maxoutbound", "an integer from 0 to 64") }
            maxOutbound = Int(n)
        }
        if let value = options["bantime"] {
            guard let n = value.intValue, (1...(100 * 365 * 86_400)).contains(n) else { throw Self.bad("bantime", "a positive number of seconds") }
            banTime = n
        }
        if let external = try Self.endpoint(options["externalip"], key: "externalip", defaultPort: Int(seedPort)) {
            guard let address = PeerAddress(external) else { throw Self.bad("externalip", "an IP address or .onion name with a port") }
            externalIP = address
        }
        let nets = try Self.strings(options["onlynet"], key: "onlynet")
        if nets.isEmpty {
            onlyNet = (proxy != nil || onion != nil) ? [.ipv4, .ipv6, .torV3] : [.ipv4, .ipv6]
        } else {
            var chosen = Set<AddressNetwork>()
            for name in nets {
                guard let net = AddressNetwork(name: name), [.ipv4, .ipv6, .torV3].contains(net) else {
                    throw Self.bad("onlynet", "ipv4, ipv6 or onion (not \"\(name.prefix(20))\")")
                }
                chosen.insert(net)
            }
            onlyNet = chosen
        }
    }

    static func bad(_ key: String, _ expected: String) -> DriverProtocolError {
        DriverProtocolError(.invalidParams, "\(key) must be \(expected)")
    }

    static func bool(_ value: JSONValue?, key: String) throws(DriverProtocolError) -> Bool? {
        switch value {
        case nil, .null: return nil
        case .bool(let b): return b
        case .int(let n) where n == 0 || n == 1: return n == 1
        case .string(let s) where ["0", "1", "true", "false"].contains(s): return s == "1" || s == "true"
        default: throw bad(key, "true or false")
        }
    }

    static func strings(_ value: JSONValue?, key: String) throws(DriverProtocolError) -> [String] {
        switch value {
        case nil, .null: return []
        case .string(let one): return [one]
        case .array(let many):
            guard many.count <= 256 else { throw bad(key, "at most 256 entries") }
            return try many.map { (item: JSONValue) throws(DriverProtocolError) -> String in
                guard let text = item.stringValue else { throw bad(key, "a string or an array of strings") }
                return text
            }
        default: throw bad(key, "a string or an array of strings")
        }
    }

    static func endpoints(_ value: JSONValue?, key: String) throws(DriverProtocolError) -> [HostPort] {
        try strings(value, key: key).map { (text: String) throws(DriverProtocolError) -> HostPort in
            do throws(HostPortError) { return try HostPort(parsing: text) } catch { throw DriverProtocolError(.invalidParams, "\(key) \(error)") }
        }
    }

    static func endpoint(_ value: JSONValue?, key: String, defaultPort: Int?) throws(DriverProtocolError) -> HostPort? {
        guard let value, value != .null else { return nil }
        guard let text = value.stringValue else { throw bad(key, "a string HOST:PORT") }
        do throws(HostPortError) { return try HostPort(parsing: text, defaultPort: defaultPort) } catch {
            throw DriverProtocolError(.invalidParams, "\(key) \(error)")
        }
    }
}
