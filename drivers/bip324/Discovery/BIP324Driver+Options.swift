import DriverKit
import DriverProtocol
import JSON

extension BIP324Driver {
    /// The discovery options of issue #19, in the manifest (docs/driver-bip324.md has the details).
    static let discoveryOptionSpecs: [OptionSpec] = [
        OptionSpec(name: "addnode", type: .strings, description: "peer always kept connected besides discovery, HOST:PORT; repeatable"),
        OptionSpec(name: "dnsseed", type: .bool, description: "look up DNS seeds when the address manager has too few addresses (default true unless connect is given)"),
        OptionSpec(name: "seeds", type: .strings, description: "DNS seed host names; repeatable (default: the network's, from Bitcoin Core's chainparams)"),
        OptionSpec(name: "seedport", type: .int, description: "port given to addresses from DNS and fixed seeds (default: the network's P2P port)"),
        OptionSpec(name: "resolver", type: .string, description: "DNS server IPv4:PORT or [IPv6]:PORT asked for seeds, over UDP (TCP on truncation); default /etc/resolv.conf's"),
        OptionSpec(name: "fixedseeds", type: .bool, description: "add Bitcoin Core's fixed seeds when a reachable network has no address after fixedseedsdelay", defaultValue: .bool(true)),
        OptionSpec(name: "fixedseedsdelay", type: .int, description: "seconds DNS seeds, anchors and addnode get before the fixed seeds (Core: 60)", defaultValue: .int(60)),
        OptionSpec(name: "maxoutbound", type: .int, description: "outbound peers kept, from distinct network groups (one per group); only v2 peers count unless v1fallback", defaultValue: .int(8)),
        OptionSpec(name: "externalip", type: .string, description: "our address HOST:PORT, advertised to peers in addrv2 (addr without sendaddrv2) after the handshake"),
        OptionSpec(name: "proxy", type: .string, description: "SOCKS5 proxy HOST:PORT for every outbound connection; seeds are then fetched through it by name, never by clear DNS"),
        OptionSpec(name: "onion", type: .string, description: "SOCKS5 proxy HOST:PORT for .onion destinations only (Tor)"),
        OptionSpec(name: "onlynet", type: .strings, description: "only dial these networks: ipv4, ipv6, onion; repeatable"),
        OptionSpec(name: "addrrelayms", type: .int, description: "average milliseconds between batches of relayed addresses to one peer (Core: 30000)", defaultValue: .int(30_000)),
        OptionSpec(name: "bantime", type: .int, description: "seconds a misbehaving peer stays banned", defaultValue: .int(86_400)),
        OptionSpec(name: "testloopbackgroups", type: .bool, description: "TEST ONLY: accept 127.0.0.0/8 into the address manager, grouped by /16", defaultValue: .bool(false)),
        OptionSpec(name: "metrics", type: .string, description: "serve Prometheus metrics on HOST:PORT (GET /metrics): bip324_addrman_addresses{table}, bip324_connections{network,direction}, bip324_banned"),
        OptionSpec(name: "datadir", type: .string, description: "directory of addrman.dat (default: the data directory init gives, DIR/NAME under altnetd)"),
    ]
}
