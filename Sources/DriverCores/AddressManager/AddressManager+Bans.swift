import BitcoinPrimitives

extension AddressManager {
    /// A host's ban key: the address without its port (Core bans hosts, not ports).
    static func host(_ address: PeerAddress) -> PeerAddress {
        var h = address
        h.port = 0
        return h
    }

    /// Bans a host (every port) until `until` (Unix seconds); a longer existing ban stays. When
    /// the list is full the ban ending soonest makes room.
    public mutating func ban(_ address: PeerAddress, until: Int64) {
        let host = Self.host(address)
        if let existing = bans[host], existing >= until { return }
        if bans[host] == nil, bans.count >= config.maxBans,
           let soonest = bans.min(by: { $0.value < $1.value || ($0.value == $1.value && Self.addressKey($0.key).lexicographicallyPrecedes(Self.addressKey($1.key))) }) {
            bans[soonest.key] = nil
        }
        bans[host] = until
    }

    /// Whether the host of `address` is banned at `now`.
    public func isBanned(_ address: PeerAddress, now: Int64) -> Bool {
        guard let until = bans[Self.host(address)] else { return false }
        return until > now
    }

    /// Drops bans that have ended.
    /// - Returns: how many were dropped.
    @discardableResult
    public mutating func expireBans(now: Int64) -> Int {
        let ended = bans.filter { $0.value <= now }.map(\.key)
        for host in ended { bans[host] = nil }
        return ended.count
    }

    /// Bans in force at `now`.
    public func bannedCount(now: Int64) -> Int { bans.values.filter { $0 > now }.count }
}
