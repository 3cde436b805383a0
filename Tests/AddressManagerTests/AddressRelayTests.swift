import AddressManager
import BitcoinPrimitives
import Testing

/// Core's address relay rule (``AddressRelay``) and the per-peer queue (``AddressRelayQueue``).
@Suite struct AddressRelayTests {
    static let now: Int64 = 1_800_000_000
    static let relay = AddressRelay(key: [UInt8](repeating: 7, count: 32))
    static let onion = try! PeerAddress(network: .torV3, bytes: [UInt8](repeating: 0x42, count: 32), port: 8333)
    static let i2p = try! PeerAddress(network: .i2p, bytes: [UInt8](repeating: 0x17, count: 32), port: 0)

    static func entry(_ address: PeerAddress, age: Int64 = 60) -> AddressEntry {
        AddressEntry(time: UInt32(now - age), services: 9, address: address)
    }

    static func peers(_ count: Int, addrv2: (UInt64) -> Bool = { _ in true }) -> [AddressRelay.Peer] {
        (1...UInt64(count)).map { AddressRelay.Peer(id: $0, addrv2: addrv2($0)) }
    }

    @Test func onlyFreshRoutableAddressesOfSmallUnsolicitedMessages() {
        let manager = AddressManager(key: [UInt8](repeating: 1, count: 32))
        let good = Self.entry(PeerAddress(ipv4: 8, 8, 4, 4, port: 8333))
        #expect(AddressRelay.isRelayable(good, messageCount: 10, answersGetaddr: false, now: Self.now, accepts: manager.accepts))
        #expect(!AddressRelay.isRelayable(good, messageCount: 11, answersGetaddr: false, now: Self.now, accepts: manager.accepts))
        #expect(!AddressRelay.isRelayable(good, messageCount: 1, answersGetaddr: true, now: Self.now, accepts: manager.accepts))
        #expect(!AddressRelay.isRelayable(Self.entry(good.address, age: 600), messageCount: 1, answersGetaddr: false, now: Self.now, accepts: manager.accepts))
        #expect(AddressRelay.isRelayable(Self.entry(good.address, age: 599), messageCount: 1, answersGetaddr: false, now: Self.now, accepts: manager.accepts))
        let private10 = Self.entry(PeerAddress(ipv4: 10, 0, 0, 1, port: 8333))
        #expect(!AddressRelay.isRelayable(private10, messageCount: 1, answersGetaddr: false, now: Self.now, accepts: manager.accepts))
        // I2P (port 0, as Core's I2P addresses are) and Tor v3 are kept and relayed.
        #expect(AddressRelay.isRelayable(Self.entry(Self.i2p), messageCount: 2, answersGetaddr: false, now: Self.now, accepts: manager.accepts))
        #expect(AddressRelay.isRelayable(Self.entry(Self.onion), messageCount: 2, answersGetaddr: false, now: Self.now, accepts: manager.accepts))
    }

    @Test func twoPeersWhenReachableNeverTheSenderAndStableForAWindow() {
        let peers = Self.peers(8)
        var counts = [0, 0, 0]
        var moved = 0
        for i in 0..<200 {
            let address = PeerAddress(ipv4: 44, UInt8(i), 1, 1, port: 8333)
            let chosen = Self.relay.destinations(of: address, from: 3, peers: peers, reachable: true, now: Self.now)
            #expect(chosen.count == 2 && !chosen.contains(3) && Set(chosen).count == 2)
            // Same choice within the window (an hour later), whatever is sent again.
            let later = Self.relay.destinations(of: address, from: 3, peers: peers, reachable: true, now: Self.now + 3600)
            let nextDay = Self.relay.destinations(of: address, from: 3, peers: peers, reachable: true, now: Self.now + 2 * 86_400)
            if later != chosen { counts[0] += 1 }
            if nextDay != chosen { moved += 1 }
            // Unreachable networks: 1 or 2 peers, by a hash bit.
            counts[Self.relay.destinations(of: address, from: 3, peers: peers, reachable: false, now: Self.now).count] += 1
        }
        // An hour moves few addresses into their next window (their edges are spread over the day).
        #expect(counts[0] < 30, "\(counts[0]) of 200 changed within an hour")
        #expect(moved > 150, "only \(moved) of 200 changed peers two days later")
        #expect(counts[1] > 50 && counts[2] > 50, "unreachable: \(counts[1]) to one peer, \(counts[2]) to two")
        // Another key picks other peers.
        let other = AddressRelay(key: [UInt8](repeating: 8, count: 32))
        let differ = (0..<50).filter { i in
            let address = PeerAddress(ipv4: 45, UInt8(i), 1, 1, port: 8333)
            return other.destinations(of: address, from: 0, peers: peers, reachable: true, now: Self.now)
                != Self.relay.destinations(of: address, from: 0, peers: peers, reachable: true, now: Self.now)
        }.count
        #expect(differ > 30)
    }

    @Test func torAndI2POnlyToAddrv2PeersAndFewPeersGetWhatThereIs() {
        let mixed = Self.peers(6) { $0 % 2 == 0 }  // 2, 4, 6 sent sendaddrv2
        for address in [Self.onion, Self.i2p] {
            for from: UInt64 in [0, 2] {
                let chosen = Self.relay.destinations(of: address, from: from, peers: mixed, reachable: true, now: Self.now)
                #expect(chosen.count == 2 && chosen.allSatisfy { $0 % 2 == 0 && $0 != from })
            }
        }
        #expect(AddressRelay.canCarry(PeerAddress(ipv4: 1, 2, 3, 4, port: 1), addrv2: false))
        #expect(!AddressRelay.canCarry(Self.i2p, addrv2: false) && AddressRelay.canCarry(Self.i2p, addrv2: true))
        let lonely = [AddressRelay.Peer(id: 1, addrv2: false), AddressRelay.Peer(id: 2, addrv2: true)]
        #expect(Self.relay.destinations(of: Self.onion, from: 2, peers: lonely, reachable: true, now: Self.now).isEmpty)
        #expect(Self.relay.destinations(of: PeerAddress(ipv4: 9, 9, 9, 9, port: 8333), from: 2, peers: lonely, reachable: true, now: Self.now) == [1])
    }

    @Test func queueIsBoundedSkipsKnownAddressesAndSendsWhenDue() {
        var queue = AddressRelayQueue(firstSend: 10)
        let a = Self.entry(PeerAddress(ipv4: 8, 8, 8, 8, port: 8333))
        queue.markKnown(Self.i2p)
        let back = queue.enqueue(Self.entry(Self.i2p))
        #expect(!back, "the peer told us: not sent back")
        let first = queue.enqueue(a)
        let again = queue.enqueue(a)
        #expect(first && !again)
        let early = queue.take(now: 9, delay: 5)
        let due = queue.take(now: 10, delay: 5)
        #expect(early.isEmpty && due == [a] && queue.nextSend == 15 && queue.pending.isEmpty)
        for i in 0..<(AddressRelayQueue.capacity + 25) {
            queue.enqueue(Self.entry(PeerAddress(ipv4: 50, UInt8(i >> 8), UInt8(i & 0xff), 1, port: 8333)))
        }
        #expect(queue.pending.count == AddressRelayQueue.capacity && queue.dropped == 25)
        let batch = queue.take(now: 15, delay: 5)
        #expect(batch.count == AddressRelayQueue.capacity)
        // The known set stays bounded: the oldest are forgotten.
        for i in 0..<(AddressRelayQueue.knownCapacity + 10) {
            queue.markKnown(PeerAddress(ipv4: 60, UInt8(i >> 16), UInt8((i >> 8) & 0xff), UInt8(i & 0xff), port: 8333))
        }
        let forgotten = queue.enqueue(a)
        #expect(forgotten, "forgotten after \(AddressRelayQueue.knownCapacity) newer ones")
    }
}
