import AddressManager
import BIP324DriverCore
import BitcoinPrimitives
import Foundation
import Logging

/// Keeps `maxoutbound` outbound peers from distinct network groups, at most one per group
/// (issue #19): anchors first after a restart, then addresses the address manager selects
/// (new or tried with even odds, `onlynet` networks, banned hosts skipped). DNS seeds are asked
/// when the book is empty at start, or after 11 s with fewer than two outbound peers (Core's
/// rule in `CConnman::ThreadDNSAddressSeed`); the fixed seeds as ``FixedSeedFallback`` says.
struct OutboundManager: Sendable {
    let discovery: Discovery
    /// Dials one address and returns when that connection has ended.
    let dial: @Sendable (PeerAddress, AddressOrigin) async -> Void
    /// Fetches addresses from one DNS seed (clear DNS, or a one-shot SOCKS5 connection).
    let seed: @Sendable (String) async -> [PeerAddress]
    let network: Network
    var logger: Logger { discovery.logger }

    /// Runs until cancelled.
    func run() async {
        let options = discovery.options
        let book = discovery.book
        let started = ContinuousClock.now
        await withTaskGroup(of: Void.self) { group in
            let anchors = book.snapshot.anchors.filter { options.onlyNet.contains($0.network) }
            if !anchors.isEmpty {
                logger.info("anchors: trying \(anchors.count) first")
                var groups = Set<AddressGroup>()
                for anchor in anchors.prefix(options.maxOutbound) where groups.insert(book.with({ $0.group(of: anchor) })).inserted {
                    startDial(anchor, origin: .anchor, in: &group)
                }
            }
            var askedDNS = false
            var triedFixed = false
            if options.dnsSeed, book.snapshot.count == 0 {
                askedDNS = true
                group.addTask { await self.querySeeds() }
            }
            while !Task.isCancelled {
                if options.dnsSeed, !askedDNS, ContinuousClock.now - started > .seconds(11), discovery.readyCount < 2 {
                    askedDNS = true
                    group.addTask { await self.querySeeds() }
                }
                if !triedFixed, let added = addFixedSeeds(elapsed: ContinuousClock.now - started) {
                    triedFixed = true
                    logger.info("\(added)")
                }
                fill(&group)
                discovery.relay.flush()
                book.flush()
                try? await Task.sleep(for: .milliseconds(500))
            }
            group.cancelAll()
        }
        book.flush(force: true)
    }

    /// Dials selected addresses until the slots are full or nothing is left to select.
    private func fill(_ group: inout TaskGroup<Void>) {
        let options = discovery.options
        var rng = SystemRandomNumberGenerator()
        while true {
            let (count, addresses, groups) = discovery.slots
            guard count < options.maxOutbound else { return }
            let manager = discovery.book.snapshot
            guard let next = manager.select(
                networks: options.onlyNet, excludingGroups: groups, excluding: addresses, now: AddressBook.now, rng: &rng) else { return }
            let origin = manager.record(next)?.origin ?? .gossip
            // A slot not claimed (cannot happen: selection skips claimed addresses) ends this round.
            guard startDial(next, origin: origin, in: &group) else { return }
        }
    }

    @discardableResult
    private func startDial(_ address: PeerAddress, origin: AddressOrigin, in group: inout TaskGroup<Void>) -> Bool {
        guard discovery.claim(address, origin: origin) else { return false }
        discovery.book.with(changes: true) { $0.attempt(address, now: AddressBook.now) }
        group.addTask {
            await self.dial(address, origin)
            self.discovery.release(address)
        }
        return true
    }

    /// Core's fallback (``FixedSeedFallback``): the fixed seeds of reachable networks the book
    /// has no address of, once; returns the log line when it fired.
    private func addFixedSeeds(elapsed: Duration) -> String? {
        let options = discovery.options
        let empty = discovery.book.with { m in FixedSeedFallback.reachable(options).filter { m.count(of: $0) == 0 } }
        guard FixedSeedFallback.isDue(elapsed: elapsed, options: options, emptyNetworks: empty) else { return nil }
        let fixed = FixedSeedFallback.seeds(network: network, options: options, emptyNetworks: empty)
        let entries = fixed.map { AddressEntry(time: UInt32(clamping: AddressBook.now), services: 0, address: $0) }
        let added = discovery.book.with(changes: true) { $0.add(entries, source: .named("fixed"), origin: .fixed, now: AddressBook.now) }
        let networks = empty.map(\.name).sorted().joined(separator: ",")
        return "fixed seeds: \(added) of \(fixed.count) added (no address for \(networks) after \(elapsed.components.seconds) s)"
    }

    private func querySeeds() async {
        let options = discovery.options
        for name in options.seeds {
            if Task.isCancelled { return }
            let found = await seed(name)
            let entries = found.map { AddressEntry(time: UInt32(clamping: AddressBook.now), services: 0, address: $0) }
            let source = AddressGroup.named("dns:\(name)")
            discovery.book.with(changes: true) { $0.add(entries, source: source, origin: .dns, now: AddressBook.now) }
            logger.info("dns seed \(name): \(found.count) addresses")
        }
    }
}
