import AddressManager
import BIP324DriverCore
import BitcoinPrimitives
import JSON
import Testing

/// The fixed seeds (Bitcoin Core's contrib/seeds lists, FixedSeeds.swift) decode, and Core's
/// fallback rule (``FixedSeedFallback``) picks them only when and where it should.
@Suite struct FixedSeedTests {
    static let mainCount = (ipv4: 512, ipv6: 512, onion: 11)

    @Test func everyListedEntryDecodesAndIsRoutable() throws {
        for (network, port, expected) in [(Network.main, UInt16(8333), 1035), (.testnet4, 48333, 133), (.signet, 38333, 93)] {
            let seeds = SeedList.fixedSeeds(network: network, port: port)
            #expect(seeds.count == expected, "\(network): \(seeds.count)")
            #expect(Set(seeds).count == seeds.count, "\(network): duplicates")
            #expect(seeds.allSatisfy { Routability.isRoutable($0) && $0.port == port }, "\(network): \(seeds.filter { !Routability.isRoutable($0) })")
        }
        // Every whitespace-separated token decoded (compactMap dropped none).
        let main = SeedList.fixedSeeds(network: .main, port: 8333)
        #expect(main.filter { $0.network == .ipv4 }.count == Self.mainCount.ipv4)
        #expect(main.filter { $0.network == .ipv6 }.count == Self.mainCount.ipv6)
        #expect(main.filter { $0.network == .torV3 }.count == Self.mainCount.onion)
        for known in ["2.39.163.191:8333", "222.239.166.108:8333", "[2001:13d8:1c01:21:215:17ff:fe63:2a7e]:8333", "[2c0f:fb18:402:5::3]:8333",
                      "5g72ppm3krkorsfopcm2bi7wlv4ohhs4u4mlseymasn7g7zhdcyjpfid.onion:8333"] {
            let address = try #require(PeerAddress(try HostPort(parsing: known)))
            #expect(main.contains(address), "\(known) missing")
        }
        #expect(SeedList.fixedSeeds(network: .signet, port: 38333).contains(PeerAddress(ipv4: 34, 135, 189, 101, port: 38333)))
        #expect(SeedList.fixedSeeds(network: .testnet4, port: 48333).contains(PeerAddress(ipv4: 222, 66, 94, 2, port: 48333)))
        // seedport applies to every entry.
        #expect(SeedList.fixedSeeds(network: .main, port: 18444).allSatisfy { $0.port == 18444 })
        #expect(SeedList.fixedSeeds(network: .testnet3, port: 18333).isEmpty && SeedList.fixedSeeds(network: .regtest, port: 18444).isEmpty)
    }

    @Test func fallbackWaitsForOtherSourcesThenAddsOnlyReachableEmptyNetworks() throws {
        let plain = try DiscoveryOptions([:], network: .main)
        #expect(FixedSeedFallback.reachable(plain) == [.ipv4, .ipv6])
        let all: Set<AddressNetwork> = [.ipv4, .ipv6]
        #expect(!FixedSeedFallback.isDue(elapsed: .seconds(59), options: plain, emptyNetworks: all))
        #expect(FixedSeedFallback.isDue(elapsed: .seconds(60), options: plain, emptyNetworks: all))
        #expect(!FixedSeedFallback.isDue(elapsed: .seconds(600), options: plain, emptyNetworks: []))
        let seeds = FixedSeedFallback.seeds(network: .main, options: plain, emptyNetworks: all)
        #expect(seeds.count == Self.mainCount.ipv4 + Self.mainCount.ipv6, "no Tor v3 without a proxy")
        // Only the networks the address manager has nothing of.
        #expect(FixedSeedFallback.seeds(network: .main, options: plain, emptyNetworks: [.ipv6]).allSatisfy { $0.network == .ipv6 })
        // No other source: at once (Core: -dnsseed=0 and no -addnode).
        let alone = try DiscoveryOptions(["dnsseed": .bool(false)], network: .main)
        #expect(FixedSeedFallback.isDue(elapsed: .zero, options: alone, emptyNetworks: all))
        let withAddnode = try DiscoveryOptions(["dnsseed": .bool(false), "addnode": .string("203.0.113.1:8333")], network: .main)
        #expect(!FixedSeedFallback.isDue(elapsed: .seconds(1), options: withAddnode, emptyNetworks: all))
        #expect(!FixedSeedFallback.isDue(elapsed: .seconds(999), options: try DiscoveryOptions(["fixedseeds": .bool(false)], network: .main), emptyNetworks: all))
        // fixedseedsdelay replaces Core's 60 s.
        let quick = try DiscoveryOptions(["fixedseedsdelay": .int(2)], network: .main)
        #expect(FixedSeedFallback.isDue(elapsed: .seconds(2), options: quick, emptyNetworks: all))
        // onlynet: only those networks; Tor v3 only behind a proxy.
        let onionOnly = try DiscoveryOptions(["onlynet": .string("onion")], network: .main)
        #expect(FixedSeedFallback.reachable(onionOnly).isEmpty)
        let tor = try DiscoveryOptions(["onlynet": .string("onion"), "proxy": .string("127.0.0.1:9050")], network: .main)
        let torSeeds = FixedSeedFallback.seeds(network: .main, options: tor, emptyNetworks: FixedSeedFallback.reachable(tor))
        #expect(torSeeds.count == Self.mainCount.onion && torSeeds.allSatisfy { $0.network == .torV3 })
        let ipv4 = try DiscoveryOptions(["onlynet": .string("ipv4"), "onion": .string("127.0.0.1:9050")], network: .main)
        #expect(FixedSeedFallback.reachable(ipv4) == [.ipv4])
        #expect(throws: (any Error).self) { try DiscoveryOptions(["fixedseedsdelay": .int(-1)], network: .main) }
    }
}
