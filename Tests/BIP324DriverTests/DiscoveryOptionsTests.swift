import BIP324DriverCore
import BitcoinPrimitives
import DriverProtocol
import JSON
import Testing

/// The discovery options of issue #19: defaults per network, `connect` turning discovery off,
/// and refusals that name the key.
@Suite struct DiscoveryOptionsTests {
    @Test func defaultsFollowTheNetwork() throws {
        let main = try DiscoveryOptions([:], network: .main)
        #expect(main.discovers && main.dnsSeed && main.fixedSeeds)
        #expect(main.seedPort == 8333 && main.maxOutbound == 8 && main.banTime == 86_400)
        #expect(main.seeds.contains("seed.bitcoin.sipa.be"))
        #expect(main.onlyNet == [.ipv4, .ipv6])
        #expect(try DiscoveryOptions([:], network: .testnet4).seedPort == 48333)
        #expect(try DiscoveryOptions([:], network: .signet).seedPort == 38333)
        let regtest = try DiscoveryOptions([:], network: .regtest)
        #expect(regtest.seedPort == 18444 && regtest.seeds.isEmpty)
        // FixedSeedTests has the lists; here only that regtest has none.
        #expect(SeedList.fixedSeeds(network: .regtest, port: 18444).isEmpty)
    }

    @Test func connectMeansNoDiscoveryAndTestOptionsParse() throws {
        let only = try DiscoveryOptions(["connect": .array([.string("127.0.0.1:18444")])], network: .regtest)
        #expect(!only.discovers && !only.dnsSeed)
        let test = try DiscoveryOptions([
            "seeds": .string("seed.altnet.test"), "resolver": .string("127.0.0.1:5353"), "seedport": .int(18444),
            "testloopbackgroups": .bool(true), "maxoutbound": .int(12), "proxy": .string("127.0.0.1:9050"),
            "onlynet": .array([.string("ipv4"), .string("onion")]), "externalip": .string("127.9.0.1:18444"), "bantime": .int(60),
            "addnode": .array([.string("127.5.0.1:18444")]),
        ], network: .regtest)
        #expect(test.seeds == ["seed.altnet.test"] && test.resolver == HostPort(host: "127.0.0.1", port: 5353))
        #expect(test.testLoopbackGroups && test.maxOutbound == 12 && test.banTime == 60)
        #expect(test.onlyNet == [.ipv4, .torV3] && test.proxy?.port == 9050)
        #expect(test.externalIP == PeerAddress(ipv4: 127, 9, 0, 1, port: 18444))
        #expect(test.addnode == [HostPort(host: "127.5.0.1", port: 18444)])
        // With a proxy and no onlynet, onion is dialled too.
        #expect(try DiscoveryOptions(["proxy": .string("127.0.0.1:9050")], network: .main).onlyNet == [.ipv4, .ipv6, .torV3])
    }

    @Test func badValuesNameTheKey() {
        let cases: [(String, JSONValue)] = [
            ("maxoutbound", .int(-1)), ("maxoutbound", .int(1000)), ("seedport", .int(0)), ("onlynet", .string("i2p")),
            ("resolver", .string("[::1")), ("externalip", .string("seed.example:8333")), ("dnsseed", .string("maybe")),
            ("seeds", .string("bad name")), ("bantime", .int(0)), ("proxy", .int(5)),
        ]
        for (key, value) in cases {
            do {
                _ = try DiscoveryOptions([key: value], network: .regtest)
                Issue.record("\(key)=\(value) accepted")
            } catch {
                #expect(error.message.contains(key), "\(error.message)")
            }
        }
    }
}
