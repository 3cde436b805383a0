import Foundation

/// Inbound connections open at once, bounded, for every listener altnet has (the BIP324
/// driver's `maxinbound`, the Lightning driver's `max_inbound`, the BIP324 proxy's and the RPC
/// proxy's `--max-connections`).
///
/// A connection is *unproven* from accept until it has done what an honest peer does first
/// (the handshake and `init`, a routed greeting, an authenticated request): ``proven(_:)``.
/// When every slot is taken, a newcomer evicts the oldest unproven connection of the address
/// holding the most unproven connections, as Core's `AttemptToEvictConnection` evicts from the
/// netgroup with the most connections. One address opening connections that never finish
/// their handshake thus cannot keep a peer from another address out, even before the
/// handshake deadline frees its slots; proven connections are never evicted.
public final class InboundSlots: @unchecked Sendable {
    // @unchecked: every stored property but `limit` is guarded by `lock`.
    /// A slot held by one connection.
    public struct Ticket: Sendable, Hashable {
        let id: UInt64
    }

    /// What ``admit(address:evict:)`` decided.
    public enum Admission: Sendable {
        /// A slot was free.
        case admitted(Ticket)
        /// The slot of an unproven connection from `evicted` was given to this one (its
        /// `evict` closure has been called).
        case admittedByEvicting(Ticket, evicted: String)
        /// Every slot is held by proven connections, or the newcomer's own address holds the
        /// most unproven ones.
        case full
    }

    private struct Holder {
        let address: String
        var proven: Bool
        let evict: @Sendable () -> Void
    }

    public let limit: Int
    private let lock = NSLock()
    private var holders: [UInt64: Holder] = [:]
    private var next: UInt64 = 0
    private var evictions = 0

    /// - Parameter limit: connections open at once (at least 0; 0 admits none).
    public init(limit: Int) { self.limit = max(0, limit) }

    /// Connections holding a slot.
    public var open: Int { lock.withLock { holders.count } }
    /// Unproven connections evicted for newcomers so far.
    public var evicted: Int { lock.withLock { evictions } }

    /// Asks for a slot for a connection from `address` (an IP address without port).
    /// - Parameter evict: closes this connection if a later newcomer takes its slot while it is
    ///   still unproven; called outside the lock.
    public func admit(address: String, evict: @escaping @Sendable () -> Void) -> Admission {
        var victim: Holder?
        let admission: Admission = lock.withLock {
            if holders.count >= limit {
                guard let (key, holder) = evictionCandidate(newcomer: address) else { return .full }
                holders.removeValue(forKey: key)
                evictions += 1
                victim = holder
            }
            next += 1
            holders[next] = Holder(address: address, proven: false, evict: evict)
            return victim.map { .admittedByEvicting(Ticket(id: next), evicted: $0.address) } ?? .admitted(Ticket(id: next))
        }
        victim?.evict()
        return admission
    }

    /// The connection did what an honest peer does first: it is no longer evictable.
    public func proven(_ ticket: Ticket) {
        lock.withLock { holders[ticket.id]?.proven = true }
    }

    /// The connection closed (a no-op for one evicted already).
    public func release(_ ticket: Ticket) {
        _ = lock.withLock { holders.removeValue(forKey: ticket.id) }
    }

    /// The oldest unproven connection of the address with the most unproven connections, unless
    /// the newcomer's own address holds as many (evicting its own for itself gains nothing).
    private func evictionCandidate(newcomer: String) -> (UInt64, Holder)? {
        var byAddress: [String: [UInt64]] = [:]
        for (key, holder) in holders where !holder.proven { byAddress[holder.address, default: []].append(key) }
        let own = byAddress[newcomer]?.count ?? 0
        guard let (_, keys) = byAddress.max(by: { ($0.value.count, $1.key) < ($1.value.count, $0.key) }),
              keys.count > own, let oldest = keys.min(), let holder = holders[oldest]
        else { return nil }
        return (oldest, holder)
    }
}
