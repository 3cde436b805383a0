import AddressManager
import BIP324DriverCore
import BitcoinPrimitives
import DriverProtocol
import Foundation
import Logging

/// The driver's discovery: the address book, the gossip hooks of every connection, bans, and
/// the outbound slots ``OutboundManager`` fills. Thread-safe; called from event loops and tasks.
final class Discovery: @unchecked Sendable {
    // @unchecked: `outbound` is guarded by `lock`; the rest is immutable or thread-safe.
    struct Slot {
        let group: AddressGroup
        let origin: AddressOrigin
        var ready = false
        var counts = false
    }

    let options: DiscoveryOptions
    let book: AddressBook
    let logger: Logger
    let v1Fallback: Bool
    private let lock = NSLock()
    private var outbound: [PeerAddress: Slot] = [:]
    private var lastReport = ""
    /// `addnode` addresses: connected by their own connectors, never picked by the manager.
    let pinned: Set<PeerAddress>
    /// The peers gossiped addresses are relayed to.
    let relay: AddressRelayTable

    init(options: DiscoveryOptions, book: AddressBook, logger: Logger, v1Fallback: Bool) {
        self.options = options
        self.book = book
        self.logger = logger
        self.v1Fallback = v1Fallback
        pinned = Set(options.addnode.compactMap { PeerAddress($0) })
        relay = AddressRelayTable(interval: options.addrRelayInterval)
    }

    // MARK: Outbound slots

    /// Claims an outbound slot for `address` (dialling); false if it has one already.
    func claim(_ address: PeerAddress, origin: AddressOrigin) -> Bool {
        let group = book.with { $0.group(of: address) }
        return lock.withLock {
            guard outbound[address] == nil else { return false }
            outbound[address] = Slot(group: group, origin: origin)
            return true
        }
    }

    /// Frees the slot of a connection that ended (or never started).
    func release(_ address: PeerAddress) {
        let removed = lock.withLock { outbound.removeValue(forKey: address) }
        if removed != nil { report() }
    }

    /// Outbound slots in use (dialling or connected), their addresses and groups.
    var slots: (count: Int, addresses: Set<PeerAddress>, groups: Set<AddressGroup>) {
        lock.withLock { (outbound.count, Set(outbound.keys).union(pinned), Set(outbound.values.map(\.group))) }
    }

    /// Outbound peers that count toward `maxoutbound` (ready, and v2 unless `v1fallback`).
    var readyCount: Int { lock.withLock { outbound.values.filter(\.counts).count } }

    private func report() {
        let (count, groups) = lock.withLock { () -> (Int, Int) in
            let counted = outbound.values.filter(\.counts)
            return (counted.count, Set(counted.map(\.group)).count)
        }
        let line = "outbound \(count)/\(options.maxOutbound) from \(groups) groups"
        let changed = lock.withLock { () -> Bool in
            defer { lastReport = line }
            return lastReport != line
        }
        if changed { logger.info("\(line)") }
    }

    // MARK: Per-connection hooks

    /// The hooks of one connection.
    /// - Parameters:
    ///   - address: the remote address (nil for an addnode/connect peer given by name).
    ///   - direction: inbound or outbound.
    ///   - origin: how the address was learned (`inbound` for inbound peers).
    ///   - managed: an outbound slot of ``OutboundManager`` (counted toward `maxoutbound`).
    func gossip(for address: PeerAddress?, direction: PeerInfo.Direction, origin: AddressOrigin, managed: Bool = false) -> PeerGossip {
        let group = address.map { a in book.with { $0.group(of: a) } }
        let answered = OnceFlag()
        let firstMessage = OnceFlag()
        let rate = RateLimitBox()
        let options = self.options
        let relayID = relay.newID()
        return PeerGossip(
            address: address, network: address?.network.name, group: group?.description, source: origin,
            ready: { [weak self] transport, sendAddrV2, send in
                guard let self else { return [] }
                self.relay.join(relayID, addrv2: sendAddrV2, send: send)
                var out: [(String, [UInt8])] = []
                if let address, direction == .outbound {
                    self.book.with(changes: true) { $0.good(address, origin: origin, now: AddressBook.now) }
                    if managed {
                        self.lock.withLock {
                            self.outbound[address]?.ready = true
                            self.outbound[address]?.counts = transport == .v2 || self.v1Fallback
                        }
                        self.updateAnchors()
                        self.report()
                    }
                }
                if direction == .outbound {
                    out.append(("getaddr", []))
                    rate.sentGetaddr()
                }
                if let external = options.externalIP {
                    let entry = AddressEntry(time: UInt32(clamping: AddressBook.now), services: PeerSession.services, address: external)
                    let message: P2PMessage = sendAddrV2 ? .addrv2([entry]) : .addr([entry])
                    out.append((message.command.name, message.encodePayload()))
                }
                return out
            },
            addresses: { [weak self] all in
                guard let self else { return }
                // Core: the first message after our getaddr is its answer, and not relayed.
                let answersGetaddr = direction == .outbound && firstMessage.set()
                self.relay.heard(all.map(\.address), from: relayID)
                let entries = Array(all.prefix(rate.take(all.count)))
                if entries.count < all.count {
                    self.logger.debug("\(address?.description ?? "peer"): \(all.count - entries.count) of \(all.count) addresses dropped (rate limit)")
                }
                guard !entries.isEmpty else { return }
                let source = group ?? .named("unknown")
                let now = AddressBook.now
                let (added, relayable) = self.book.with(changes: true) { m in
                    (m.add(entries, source: source, origin: .gossip, now: now),
                     entries.filter { AddressRelay.isRelayable($0, messageCount: all.count, answersGetaddr: answersGetaddr, now: now, accepts: m.accepts) })
                }
                if !relayable.isEmpty {
                    self.relay.relay(relayable, from: relayID, reachable: FixedSeedFallback.reachable(options), now: now)
                }
                self.logger.debug("\(address?.description ?? "peer"): \(entries.count) addresses, \(added) new, \(relayable.count) relayed")
            },
            getaddr: { [weak self] in
                // Core answers getaddr from inbound peers only, once per connection.
                guard let self, direction == .inbound, answered.set() else { return [] }
                var rng = SystemRandomNumberGenerator()
                return self.book.with { $0.sample(now: AddressBook.now, rng: &rng) }
            },
            misbehaved: { [weak self] reason in
                guard let self, let address else { return }
                let until = AddressBook.now + options.banTime
                self.book.with(changes: true) { $0.ban(address, until: until) }
                self.logger.warning("banned \(address.host) for \(options.banTime) s: \(reason.prefix(200))")
            },
            closed: { [weak self] in
                // The outbound slot is freed when the dial returns (OutboundManager), not here:
                // under v1fallback the same dial retries in v1 after its v2 attempt closes.
                self?.relay.leave(relayID)
            })
    }

    /// Anchors: the ready outbound peers now (most recent connections last in the dictionary's
    /// order does not matter: all are tried first after a restart).
    private func updateAnchors() {
        let ready = lock.withLock { outbound.filter(\.value.ready).map(\.key) }
        book.with(changes: true) { $0.setAnchors(ready.sorted { $0.description < $1.description }) }
    }

    /// Whether an inbound connection from `host` must be refused (banned).
    func isBanned(_ address: PeerAddress) -> Bool {
        book.with { $0.isBanned(address, now: AddressBook.now) }
    }
}

/// One connection's ``AddressRateLimit`` on the monotonic clock, from any thread.
final class RateLimitBox: @unchecked Sendable {
    // @unchecked: `limit` is guarded by `lock`.
    private let lock = NSLock()
    private let start = ContinuousClock.now
    private var limit: AddressRateLimit

    init() { limit = AddressRateLimit(now: 0) }

    private var seconds: Double {
        let d = ContinuousClock.now - start
        return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    func sentGetaddr() { lock.withLock { limit.sentGetaddr() } }
    func take(_ count: Int) -> Int {
        let now = seconds
        return lock.withLock { limit.take(count, now: now) }
    }
}

/// Set once, from any thread.
final class OnceFlag: @unchecked Sendable {
    // @unchecked: `done` is guarded by `lock`.
    private let lock = NSLock()
    private var done = false
    /// - Returns: true the first time only.
    func set() -> Bool { lock.withLock { defer { done = true }; return !done } }
}
