import ArgumentParser
import DriverProtocol
import JSON

/// The discovery options of issue #19 as command-line flags (each one an `init` option too,
/// docs/driver-bip324.md); init options override them.
struct DiscoveryFlags: ParsableArguments {
    @Option(name: .customLong("addnode"), help: "Peer always kept connected besides discovery, HOST:PORT; repeatable.")
    var addnode: [String] = []
    @Option(name: .customLong("dnsseed"), help: "Look up DNS seeds (true/false; default true unless --connect).")
    var dnsseed: Bool?
    @Option(name: .customLong("seeds"), help: "DNS seed host name; repeatable (default: the network's).")
    var seeds: [String] = []
    @Option(name: .customLong("seed-port"), help: "Port for addresses from DNS and fixed seeds (default: the network's).")
    var seedPort: Int?
    @Option(name: .customLong("resolver"), help: "DNS server HOST:PORT for seed lookups (default: /etc/resolv.conf's).")
    var resolver: String?
    @Option(name: .customLong("fixed-seeds"), help: "Use the fixed seeds when DNS gave nothing in 60 s (true/false).")
    var fixedSeeds: Bool?
    @Option(name: .customLong("fixed-seeds-delay"), help: "Seconds before the fixed seeds are used (default 60, as Core).")
    var fixedSeedsDelay: Int?
    @Option(name: .customLong("max-outbound"), help: "Outbound peers kept, from distinct network groups (default 8).")
    var maxOutbound: Int?
    @Option(name: .customLong("external-ip"), help: "Our address HOST:PORT, advertised to peers.")
    var externalIP: String?
    @Option(name: .customLong("proxy"), help: "SOCKS5 proxy HOST:PORT for every outbound connection and seed fetch.")
    var proxy: String?
    @Option(name: .customLong("onion"), help: "SOCKS5 proxy HOST:PORT for .onion destinations.")
    var onion: String?
    @Option(name: .customLong("onlynet"), help: "Only dial this network (ipv4, ipv6, onion); repeatable.")
    var onlynet: [String] = []
    @Option(name: .customLong("addr-relay-ms"), help: "Average milliseconds between relayed address batches to a peer (default 30000).")
    var addrRelayMS: Int?
    @Option(name: .customLong("ban-time"), help: "Seconds a misbehaving peer stays banned (default 86400).")
    var banTime: Int?
    @Flag(name: .customLong("test-loopback-groups"), help: "TEST ONLY: accept 127/8 addresses, grouped by /16.")
    var testLoopbackGroups = false
    @Option(name: .customLong("metrics"), help: "Serve Prometheus metrics on HOST:PORT (GET /metrics).")
    var metrics: String?
    @Option(name: .customLong("datadir"), help: "Directory of addrman.dat (default: init's data directory).")
    var datadir: String?

    /// The flags as init options.
    var options: [String: JSONValue] {
        var o: [String: JSONValue] = [:]
        if !addnode.isEmpty { o["addnode"] = .array(addnode.map { .string($0) }) }
        if let dnsseed { o["dnsseed"] = .bool(dnsseed) }
        if !seeds.isEmpty { o["seeds"] = .array(seeds.map { .string($0) }) }
        if let seedPort { o["seedport"] = .int(Int64(seedPort)) }
        if let resolver { o["resolver"] = .string(resolver) }
        if let fixedSeeds { o["fixedseeds"] = .bool(fixedSeeds) }
        if let fixedSeedsDelay { o["fixedseedsdelay"] = .int(Int64(fixedSeedsDelay)) }
        if let maxOutbound { o["maxoutbound"] = .int(Int64(maxOutbound)) }
        if let externalIP { o["externalip"] = .string(externalIP) }
        if let proxy { o["proxy"] = .string(proxy) }
        if let onion { o["onion"] = .string(onion) }
        if !onlynet.isEmpty { o["onlynet"] = .array(onlynet.map { .string($0) }) }
        if let addrRelayMS { o["addrrelayms"] = .int(Int64(addrRelayMS)) }
        if let banTime { o["bantime"] = .int(Int64(banTime)) }
        if testLoopbackGroups { o["testloopbackgroups"] = .bool(true) }
        if let datadir { o["datadir"] = .string(datadir) }
        if let metrics { o["metrics"] = .string(metrics) }
        return o
    }
}
