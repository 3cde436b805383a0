import BitcoinPrimitives
import Testing
@testable import AddressManager

/// The address manager's bounds, tables, selection, bans and file (issue #19 item 2).
@Suite struct AddressManagerTests {
    static let now: Int64 = 1_800_000_000
    static func key(_ seed: UInt8 = 1) -> [UInt8] { (0..<32).map { UInt8(truncatingIfNeeded: Int($0) * 7 + Int(seed)) } }

    /// `count` routable IPv4 addresses from generator `rng`, spread over many /16s.
    static func flood<R: RandomNumberGenerator>(_ count: Int, rng: inout R) -> [AddressEntry] {
        (0..<count).map { _ in
            let a = UInt8.random(in: 1...99, using: &rng)  // 1...99: clear of the reserved ranges
            let e = AddressEntry(
                time: UInt32(now - 3600), services: 9,
                address: PeerAddress(ipv4: a, .random(in: 0...255, using: &rng), .random(in: 0...255, using: &rng), .random(in: 1...254, using: &rng), port: 8333))
            return e
        }
    }

    @Test func addrFloodStaysWithinBoundAndOneSourcesShare() {
        var rng = SplitMix64(seed: 19)
        var manager = AddressManager(key: Self.key())
        let attacker = AddressGroup.of(PeerAddress(ipv4: 44, 1, 2, 3, port: 8333))
        // 100 messages of 1,000 entries each from one peer.
        for _ in 0..<100 { manager.add(Self.flood(1000, rng: &rng), source: attacker, origin: .gossip, now: Self.now) }
        let config = manager.config
        #expect(manager.count <= config.capacity)
        let buckets = manager.newBuckets(fromSource: attacker)
        #expect(buckets.count <= config.newBucketsPerSourceGroup)
        #expect(manager.count <= config.newBucketsPerSourceGroup * config.bucketSize)
        // An honest source still finds room: its buckets are mostly not the attacker's.
        let honest = AddressGroup.of(PeerAddress(ipv4: 81, 9, 9, 9, port: 8333))
        let added = manager.add(Self.flood(1000, rng: &rng), source: honest, origin: .gossip, now: Self.now)
        #expect(added > 500)
        // Many sources: the total never passes the slot count.
        for i in 0..<100 {
            let source = AddressGroup.of(PeerAddress(ipv4: UInt8(1 + i % 90), UInt8(i / 90), 1, 1, port: 8333))
            manager.add(Self.flood(1000, rng: &rng), source: source, origin: .gossip, now: Self.now)
        }
        #expect(manager.count <= config.capacity)
        #expect(manager.counts.new > config.newBuckets * config.bucketSize / 2)  // the table did fill up
        #expect(manager.counts.new + manager.counts.tried == manager.count)
    }

    @Test func unroutableRefusedUnlessLoopbackTestMode() {
        var manager = AddressManager(key: Self.key())
        let loop = AddressEntry(time: UInt32(Self.now), services: 1, address: PeerAddress(ipv4: 127, 3, 0, 1, port: 18444))
        let privateNet = AddressEntry(time: UInt32(Self.now), services: 1, address: PeerAddress(ipv4: 192, 168, 1, 1, port: 8333))
        #expect(manager.add([loop, privateNet], source: .named("dns:x"), origin: .dns, now: Self.now) == 0)
        var config = AddressManagerConfig()
        config.loopbackGroups = true
        var test = AddressManager(key: Self.key(), config: config)
        #expect(test.add([loop, privateNet], source: .named("dns:x"), origin: .dns, now: Self.now) == 1)
        #expect(test.group(of: loop.address).description == "ipv4 127.3.0.0/16")
        #expect(test.group(of: PeerAddress(ipv4: 127, 3, 200, 9, port: 1)) == test.group(of: loop.address))
        #expect(test.group(of: PeerAddress(ipv4: 127, 4, 0, 1, port: 1)) != test.group(of: loop.address))
    }

    @Test func groupsFollowCore() throws {
        let v6a = try #require(PeerAddress(host: "2a01:4f8:1:2::1", port: 8333))
        let v6b = try #require(PeerAddress(host: "2a01:4f8:ffff::1", port: 8333))
        let v6c = try #require(PeerAddress(host: "2a01:4f9::1", port: 8333))
        #expect(AddressGroup.of(v6a) == AddressGroup.of(v6b))
        #expect(AddressGroup.of(v6a) != AddressGroup.of(v6c))
        let sixToFour = try #require(PeerAddress(host: "2002:0102:0304::1", port: 8333))
        #expect(AddressGroup.of(sixToFour) == AddressGroup.of(PeerAddress(ipv4: 1, 2, 9, 9, port: 1)))
        let onion = try PeerAddress(network: .torV3, bytes: [0x3a] + [UInt8](repeating: 0, count: 31), port: 8333)
        let onion2 = try PeerAddress(network: .torV3, bytes: [0x31] + [UInt8](repeating: 5, count: 31), port: 8333)
        let onion3 = try PeerAddress(network: .torV3, bytes: [0x41] + [UInt8](repeating: 5, count: 31), port: 8333)
        #expect(AddressGroup.of(onion) == AddressGroup.of(onion2))
        #expect(AddressGroup.of(onion) != AddressGroup.of(onion3))
    }

    @Test func selectionGivesDistinctGroupsAndHonoursNetworks() throws {
        var rng = SplitMix64(seed: 7)
        var manager = AddressManager(key: Self.key())
        // 10 groups of 20 addresses each.
        var entries: [AddressEntry] = []
        for g in 0..<10 {
            for h in 0..<20 {
                entries.append(AddressEntry(time: UInt32(Self.now - 100), services: 9, address: PeerAddress(ipv4: 20, UInt8(g), 1, UInt8(h + 1), port: 8333)))
            }
        }
        manager.add(entries, source: .named("dns:seed"), origin: .dns, now: Self.now)
        var groups = Set<AddressGroup>()
        var picked: [PeerAddress] = []
        while let next = manager.select(networks: [.ipv4], excludingGroups: groups, now: Self.now, rng: &rng) {
            #expect(!groups.contains(manager.group(of: next)))
            groups.insert(manager.group(of: next))
            picked.append(next)
            manager.attempt(next, now: Self.now)
        }
        #expect(picked.count == 10)
        #expect(manager.select(networks: [.ipv6, .torV3], excludingGroups: [], now: Self.now, rng: &rng) == nil)
        // good() moves to tried; selection then draws from both tables.
        manager.good(picked[0], now: Self.now)
        #expect(manager.counts.tried == 1 && manager.record(picked[0])?.inTried == true)
    }

    @Test func failedAddressesWaitLongerEachTime() {
        var rng = SplitMix64(seed: 2)
        var manager = AddressManager(key: Self.key())
        let peer = PeerAddress(ipv4: 9, 9, 9, 9, port: 8333)
        manager.add([AddressEntry(time: UInt32(Self.now), services: 1, address: peer)], source: .named("manual"), origin: .manual, now: Self.now)
        var t = Self.now
        for delay: Int64 in [5, 10, 20, 40, 80, 160, 320, 600, 600] {
            manager.attempt(peer, now: t)
            #expect(manager.select(networks: [.ipv4], excludingGroups: [], now: t + delay - 1, rng: &rng) == nil)
            #expect(manager.select(networks: [.ipv4], excludingGroups: [], now: t + delay, rng: &rng) == peer)
            t += delay
        }
        manager.good(peer, now: t)  // a handshake: no wait at all
        #expect(manager.select(networks: [.ipv4], excludingGroups: [], now: t, rng: &rng) == peer)
    }

    @Test func bansExpire() {
        var manager = AddressManager(key: Self.key())
        let peer = PeerAddress(ipv4: 9, 9, 9, 9, port: 8333)
        manager.add([AddressEntry(time: UInt32(Self.now), services: 1, address: peer)], source: .named("manual"), origin: .manual, now: Self.now)
        manager.ban(peer, until: Self.now + 86_400)
        var samePort = peer
        samePort.port = 18333
        #expect(manager.isBanned(samePort, now: Self.now + 100))
        var rng = SplitMix64(seed: 1)
        #expect(manager.select(networks: [.ipv4], excludingGroups: [], now: Self.now + 100, rng: &rng) == nil)
        #expect(manager.bannedCount(now: Self.now) == 1)
        #expect(!manager.isBanned(peer, now: Self.now + 86_400))
        #expect(manager.expireBans(now: Self.now + 86_400) == 1)
        #expect(manager.bannedCount(now: Self.now) == 0)
        #expect(manager.select(networks: [.ipv4], excludingGroups: [], now: Self.now + 86_401, rng: &rng) == peer)
    }

    @Test func fileRoundTripKeepsTablesAnchorsAndBans() throws {
        var rng = SplitMix64(seed: 3)
        var manager = AddressManager(key: Self.key(9))
        manager.add(Self.flood(3000, rng: &rng), source: .named("dns:seed.example"), origin: .dns, now: Self.now)
        let tried = Array(manager.addresses.prefix(5))
        for a in tried { manager.good(a, now: Self.now) }
        manager.attempt(manager.addresses[10], now: Self.now - 50)
        manager.setAnchors(Array(tried.prefix(2)))
        manager.ban(PeerAddress(ipv4: 8, 8, 8, 8, port: 1), until: Self.now + 60)
        let bytes = manager.serialized()
        let loaded = try AddressManager(serialized: bytes)
        #expect(loaded.key == manager.key)
        #expect(loaded.count == manager.count)
        #expect(loaded.counts == manager.counts)
        #expect(loaded.anchors == Array(tried.prefix(2)))
        #expect(loaded.isBanned(PeerAddress(ipv4: 8, 8, 8, 8, port: 8333), now: Self.now))
        for a in manager.addresses { #expect(loaded.record(a) == manager.record(a)) }
        #expect(loaded.serialized() == bytes)
    }

    @Test func corruptFilesAreRefused() throws {
        var rng = SplitMix64(seed: 4)
        var manager = AddressManager(key: Self.key())
        manager.add(Self.flood(200, rng: &rng), source: .named("dns:s"), origin: .dns, now: Self.now)
        let bytes = manager.serialized()
        // Every truncation, a flipped bit in every byte of the first 300 and of the tail.
        for length in stride(from: 0, to: bytes.count, by: 7) {
            #expect(throws: AddressFileError.self) { try AddressManager(serialized: Array(bytes.prefix(length))) }
        }
        for i in Array(0..<300) + Array((bytes.count - 40)..<bytes.count) {
            var bad = bytes
            bad[i] ^= 0x10
            #expect(throws: AddressFileError.self) { try AddressManager(serialized: bad) }
        }
        // A well-formed checksum over nonsense: refused by the parser, no trap.
        for n in [0, 1, 50, 5000] {
            var junk = (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            junk = Array("ALTNADDR".utf8) + [1] + junk
            junk += Hashes.sha256d(junk)
            #expect(throws: AddressFileError.self) { try AddressManager(serialized: junk) }
        }
        // A count larger than the capacity is refused before allocation.
        var huge = Array("ALTNADDR".utf8) + [1] + Self.key() + [0xff, 0xff, 0xff, 0x7f] + [UInt8](repeating: 0, count: 10)
        huge += Hashes.sha256d(huge)
        #expect(throws: AddressFileError.self) { try AddressManager(serialized: huge) }
    }

    @Test func getaddrAnswerIsBoundedSample() {
        var rng = SplitMix64(seed: 5)
        var manager = AddressManager(key: Self.key())
        for s in 0..<8 { manager.add(Self.flood(1000, rng: &rng), source: .named("dns:s\(s)"), origin: .dns, now: Self.now) }
        #expect(manager.count > 4000)
        let answer = manager.sample(now: Self.now, rng: &rng)
        #expect(answer.count == min(1000, manager.count * 23 / 100))
        var small = AddressManager(key: Self.key())
        small.add(Self.flood(100, rng: &rng), source: .named("dns:s"), origin: .dns, now: Self.now)
        #expect(small.sample(now: Self.now, rng: &rng).count == small.count * 23 / 100)
        #expect(Set(answer.map(\.address)).count == answer.count)
    }
}

/// Core's addr token bucket.
@Suite struct AddressRateLimitTests {
    @Test func startsAtOneGainsOnGetaddrAndRefillsSlowly() {
        var limit = AddressRateLimit(now: 0)
        #expect(limit.take(1000, now: 0) == 1)  // an unsolicited flood: one address
        #expect(limit.take(1000, now: 0) == 0)
        limit.sentGetaddr()
        #expect(limit.take(1000, now: 0) == 1000)  // the answer we asked for, whole
        #expect(limit.take(1000, now: 100) == 10)  // 0.1 per second
        #expect(limit.take(1000, now: 1_000_000) == 1000)  // never more than the bucket
        #expect(limit.take(5, now: 1_000_000) == 0)
    }
}
