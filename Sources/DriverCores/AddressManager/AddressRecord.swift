import BitcoinPrimitives

/// What the address manager knows of one address (Core's `AddrInfo`).
public struct AddressRecord: Sendable, Equatable {
    public var address: PeerAddress
    /// When the address was last seen, as gossip claimed (Unix seconds).
    public var time: UInt32
    public var services: UInt64
    /// How it was learned (the first time).
    public var origin: AddressOrigin
    /// The group of whoever told us (bucketing input).
    public var sourceGroup: AddressGroup
    /// Last connection attempt, Unix seconds (0: never).
    public var lastTry: Int64 = 0
    /// Last completed handshake, Unix seconds (0: never).
    public var lastSuccess: Int64 = 0
    /// Failed attempts since the last success.
    public var attempts: Int = 0
    /// In the tried table (else in new).
    public var inTried = false

    /// Core's `AddrInfo::IsTerrible`: not worth keeping when a slot is wanted by another address.
    /// - Parameter now: Unix seconds.
    public func isTerrible(now: Int64) -> Bool {
        if lastTry > 0, now - lastTry < 60 { return false }  // tried in the last minute: give it a chance
        if Int64(time) > now + 600 { return true }  // from the future
        if time == 0 || now - Int64(time) > 30 * 86_400 { return true }  // not seen for 30 days
        if lastSuccess == 0, attempts >= 3 { return true }  // never worked, three tries
        if now - lastSuccess > 7 * 86_400, attempts >= 10 { return true }  // ten failures in a week
        return false
    }

    /// Core's `AddrInfo::GetChance`: the selection weight, lower after recent and repeated failures.
    public func chance(now: Int64) -> Double {
        var c = 1.0
        if now - lastTry < 600 { c *= 0.01 }
        for _ in 0..<min(attempts, 8) { c *= 0.66 }
        return c
    }
}
