import BitcoinPrimitives

/// When and which fixed seeds go into the address manager: Bitcoin Core's rule in
/// src/net.cpp `CConnman::ThreadOpenConnections`. The fixed seeds are added once, with source
/// `fixed`, when some network we can reach has no address at all and either `fixedseedsdelay`
/// (Core: 60 s) has passed since start, giving DNS seeds, anchors and `addnode` peers their
/// chance, or there is no other source (`dnsseed` off and no `addnode`). Only seeds of those
/// empty, reachable networks are added: a network is reachable when `onlynet` allows it, Tor v3
/// only with `proxy` or `onion` set (Core does not add seeds it will not dial).
public enum FixedSeedFallback {
    /// The networks the driver can dial under `options`.
    public static func reachable(_ options: DiscoveryOptions) -> Set<AddressNetwork> {
        options.onlyNet.filter { $0 != .torV3 || options.proxy != nil || options.onion != nil }
    }

    /// Whether to add the fixed seeds now.
    /// - Parameters:
    ///   - elapsed: time since discovery started.
    ///   - options: the driver's options (`fixedseeds`, `fixedseedsdelay`, `dnsseed`, `addnode`).
    ///   - emptyNetworks: reachable networks with no address in the address manager.
    public static func isDue(elapsed: Duration, options: DiscoveryOptions, emptyNetworks: Set<AddressNetwork>) -> Bool {
        guard options.fixedSeeds, !emptyNetworks.isEmpty else { return false }
        if elapsed >= options.fixedSeedsDelay { return true }
        return !options.dnsSeed && options.addnode.isEmpty
    }

    /// The fixed seeds to add: those of `network` in `emptyNetworks`, with `seedport`.
    public static func seeds(network: Network, options: DiscoveryOptions, emptyNetworks: Set<AddressNetwork>) -> [PeerAddress] {
        SeedList.fixedSeeds(network: network, port: options.seedPort).filter { emptyNetworks.contains($0.network) }
    }
}
