import AddressManager
import BitcoinPrimitives

/// simnode's address book: what Core's `AddrMan` does that a peer can observe, without its
/// buckets. Non-routable addresses are refused with the address manager's `Routability` (Core's
/// IsRoutable; loopback only with simnode's switch). Addresses are added (from `addr`/`addrv2` and `addpeeraddress`), moved to "tried"
/// (`addpeeraddress ... true`), and handed out at random for `getaddr`, skipping terrible ones.
///
/// Bounded: at most ``capacity`` entries; further new addresses are dropped (Core's buckets
/// drop or evict instead; a full book here is never reached by honest use).
struct SimAddressBook: Sendable {
    struct Entry: Sendable, Equatable {
        var address: PeerAddress
        var services: UInt64
        /// Last seen (Unix seconds), as gossiped (Core's nTime).
        var time: Int64
        var tried: Bool
    }

    private(set) var entries: [PeerAddress: Entry] = [:]
    /// Let 127.0.0.0/8 and ::1 in (simnode's `--simaddrloopback`; Core refuses non-routable
    /// addresses).
    var allowLoopback = false
    let capacity: Int

    init(capacity: Int = 20_000) { self.capacity = capacity }

    var count: Int { entries.count }
    var triedCount: Int { entries.values.filter(\.tried).count }

    /// Adds or refreshes an address, as `AddrManImpl::AddSingle`.
    /// - Parameters:
    ///   - address: the address.
    ///   - services: its service bits.
    ///   - time: its gossiped time (Unix seconds).
    ///   - penalty: seconds taken off `time` (2 hours for gossip, 0 when a peer announces itself).
    ///   - now: the current time.
    /// - Returns: whether it was new.
    @discardableResult
    mutating func add(_ address: PeerAddress, services: UInt64, time: Int64, penalty: Int64, now: Int64) -> Bool {
        guard Routability.isRoutable(address, loopback: allowLoopback) else { return false }
        if var known = entries[address] {
            let online = now - time < 24 * 3600
            let interval: Int64 = online ? 3600 : 24 * 3600
            if known.time < time - interval - penalty { known.time = max(0, time - penalty) }
            known.services |= services
            entries[address] = known
            return false
        }
        guard entries.count < capacity else { return false }
        entries[address] = Entry(address: address, services: services, time: max(0, time - penalty), tried: false)
        return true
    }

    /// Moves a known address to "tried" (Core's `Good`).
    /// - Returns: whether it was known and not tried yet.
    @discardableResult
    mutating func markTried(_ address: PeerAddress) -> Bool {
        guard var entry = entries[address], !entry.tried else { return false }
        entry.tried = true
        entries[address] = entry
        return true
    }

    /// Core's `AddrInfo::IsTerrible` for entries never tried by simnode: a time more than 10
    /// minutes ahead, or older than 30 days.
    static func isTerrible(_ entry: Entry, now: Int64) -> Bool {
        entry.time > now + 600 || now - entry.time > 30 * 24 * 3600
    }

    /// Random addresses for a `getaddr` answer, as `AddrManImpl::GetAddr_`: `percent`% of the
    /// book, at most `max`, terrible entries skipped (they still count toward the book's size).
    /// - Parameters:
    ///   - max: the most to return (0: no cap).
    ///   - percent: the share of the book (0: no share limit).
    ///   - now: the current time.
    ///   - rng: the source of the shuffle.
    func select<R: RandomNumberGenerator>(max: Int, percent: Int, now: Int64, using rng: inout R) -> [Entry] {
        var wanted = entries.count
        if percent != 0 { wanted = percent * wanted / 100 }
        if max != 0 { wanted = Swift.min(wanted, max) }
        var result: [Entry] = []
        for entry in entries.values.shuffled(using: &rng) {
            if result.count >= wanted { break }
            if Self.isTerrible(entry, now: now) { continue }
            result.append(entry)
        }
        return result
    }
}
