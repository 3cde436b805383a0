import AddressManager
import BitcoinPrimitives
import Foundation

/// The connected peers addresses are relayed to (issue #19, Core's `RelayAddress`): the pure
/// ``AddressRelay`` picks the peers, each peer's ``AddressRelayQueue`` holds what waits for it, and
/// ``flush()`` (called every 500 ms by the outbound manager) sends the batches that are due as
/// `addrv2` to peers that sent `sendaddrv2`, else as `addr`. Thread-safe.
final class AddressRelayTable: @unchecked Sendable {
    // @unchecked: `members`, `nextID`, `relayed` and `droppedGone` are guarded by `lock`.
    private struct Member {
        let addrv2: Bool
        let send: @Sendable (String, [UInt8]) -> Void
        var queue: AddressRelayQueue
    }

    /// What the metrics show.
    struct Stats: Equatable {
        /// Addresses waiting in the peers' queues now.
        var queued = 0
        /// Addresses sent to peers since start.
        var relayed = 0
        /// Addresses not queued because a peer's queue was full, since start.
        var dropped = 0
    }

    private let lock = NSLock()
    private var members: [UInt64: Member] = [:]
    private var nextID: UInt64 = 1
    private var relayed = 0
    private var droppedGone = 0
    private let relay: AddressRelay
    private let start = ContinuousClock.now
    /// Average seconds between batches to one peer (`addrrelayms`; Core: 30 s).
    let interval: Double

    init(interval average: Duration) {
        var rng = SystemRandomNumberGenerator()
        relay = AddressRelay(key: (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) })
        interval = Double(average.components.seconds) + Double(average.components.attoseconds) / 1e18
    }

    private var seconds: Double {
        let d = ContinuousClock.now - start
        return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    /// A delay drawn from the exponential distribution with mean `interval` (Core's Poisson timer).
    private func delay() -> Double { -log(Double.random(in: Double.ulpOfOne..<1)) * interval }

    /// An id for a new connection.
    func newID() -> UInt64 { lock.withLock { defer { nextID += 1 }; return nextID } }

    /// The connection `id` finished its handshake: addresses may be relayed to it.
    func join(_ id: UInt64, addrv2: Bool, send: @escaping @Sendable (String, [UInt8]) -> Void) {
        let first = seconds + delay()
        lock.withLock { members[id] = Member(addrv2: addrv2, send: send, queue: AddressRelayQueue(firstSend: first)) }
    }

    /// The connection ended.
    func leave(_ id: UInt64) {
        lock.withLock {
            if let gone = members.removeValue(forKey: id) { droppedGone += gone.queue.dropped }
        }
    }

    /// `id` sent these addresses: never relayed back to it.
    func heard(_ addresses: [PeerAddress], from id: UInt64) {
        lock.withLock {
            guard var member = members[id] else { return }
            for address in addresses { member.queue.markKnown(address) }
            members[id] = member
        }
    }

    /// Relays addresses `from` sent (already checked with ``AddressRelay/isRelayable``).
    /// - Parameters:
    ///   - entries: the addresses.
    ///   - from: the sender's id.
    ///   - reachable: the networks we dial (their addresses go to 2 peers).
    ///   - now: Unix seconds (the 24-hour window).
    func relay(_ entries: [AddressEntry], from: UInt64, reachable: Set<AddressNetwork>, now: Int64) {
        lock.withLock {
            let peers = members.map { AddressRelay.Peer(id: $0.key, addrv2: $0.value.addrv2) }
            for entry in entries {
                for id in relay.destinations(of: entry.address, from: from, peers: peers, reachable: reachable.contains(entry.address.network), now: now) {
                    members[id]?.queue.enqueue(entry)
                }
            }
        }
    }

    /// Sends every batch that is due.
    func flush() {
        let now = seconds
        let batches: [(@Sendable (String, [UInt8]) -> Void, Bool, [AddressEntry])] = lock.withLock {
            var out: [(@Sendable (String, [UInt8]) -> Void, Bool, [AddressEntry])] = []
            for id in members.keys {
                let wait = delay()
                guard let batch = members[id]?.queue.take(now: now, delay: wait), !batch.isEmpty, let member = members[id] else { continue }
                relayed += batch.count
                out.append((member.send, member.addrv2, batch))
            }
            return out
        }
        for (send, addrv2, batch) in batches {
            let message: P2PMessage = addrv2 ? .addrv2(batch) : .addr(batch)
            send(message.command.name, message.encodePayload())
        }
    }

    var stats: Stats {
        lock.withLock {
            Stats(
                queued: members.values.reduce(0) { $0 + $1.queue.pending.count }, relayed: relayed,
                dropped: droppedGone + members.values.reduce(0) { $0 + $1.queue.dropped })
        }
    }
}
