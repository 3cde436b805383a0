import BitcoinPrimitives

/// Which gossiped addresses are relayed onward, and to whom: Bitcoin Core's rule
/// (src/net_processing.cpp, `ProcessMessage` for `addr`/`addrv2` and `RelayAddress`).
///
/// - Only from a message of at most 10 addresses that is not the answer to our `getaddr`, only
///   addresses past the sender's token bucket (``AddressRateLimit``), seen within the last 10
///   minutes and routable (``isRelayable(_:messageCount:answersGetaddr:now:accepts:)``).
/// - To 2 peers when the address's network is reachable for us, else to 1 or 2 (a hash bit),
///   never to the sender, and only to peers that can carry it: Tor v3, I2P and CJDNS only to
///   peers that sent `sendaddrv2` (``canCarry(_:addrv2:)``).
/// - The peers are the ones with the highest keyed hash of (address, 24-hour window, peer), so
///   within a window an address goes to the same peers whatever a sender repeats, and the
///   window's edge differs per address (Core's `ROTATE_ADDR_RELAY_DEST_INTERVAL`). Core hashes
///   with SipHash; this uses SHA-256 under a random key of the process.
public struct AddressRelay: Sendable {
    /// A connected peer that addresses may be relayed to.
    public struct Peer: Sendable, Equatable {
        public let id: UInt64
        /// It sent `sendaddrv2` (BIP155).
        public let addrv2: Bool
        public init(id: UInt64, addrv2: Bool) {
            self.id = id
            self.addrv2 = addrv2
        }
    }

    /// Most addresses in a message whose addresses are relayed (Core: `vAddr.size() <= 10`).
    public static let maxMessage = 10
    /// Most seconds since an address was seen for it to be relayed (Core: 10 minutes).
    public static let freshness: Int64 = 600
    /// How long an address keeps its relay destinations (Core: 24 hours).
    public static let window: UInt64 = 86_400

    let key: [UInt8]

    /// - Parameter key: 32 random bytes, kept for the life of the process.
    public init(key: [UInt8]) { self.key = key }

    /// Whether an address heard from a peer is relayed at all.
    /// - Parameters:
    ///   - entry: the address as the peer sent it.
    ///   - messageCount: how many addresses the message held (before rate limiting).
    ///   - answersGetaddr: the message answers our `getaddr` (not relayed, as in Core).
    ///   - now: Unix seconds.
    ///   - accepts: the address manager's routability test (``AddressManager/accepts(_:)``).
    public static func isRelayable(
        _ entry: AddressEntry, messageCount: Int, answersGetaddr: Bool, now: Int64, accepts: (PeerAddress) -> Bool
    ) -> Bool {
        messageCount <= maxMessage && !answersGetaddr && Int64(entry.time) > now - freshness && accepts(entry.address)
    }

    /// Whether a peer can be sent `address`: IPv4 and IPv6 go in `addr` or `addrv2`, the rest in
    /// `addrv2` only.
    public static func canCarry(_ address: PeerAddress, addrv2: Bool) -> Bool {
        addrv2 || address.network == .ipv4 || address.network == .ipv6
    }

    /// The peers `address` goes to.
    /// - Parameters:
    ///   - address: the address to relay.
    ///   - from: the sender's id (never chosen).
    ///   - peers: the connected peers.
    ///   - reachable: the address's network is one we dial (then always 2 peers).
    ///   - now: Unix seconds.
    /// - Returns: at most 2 peer ids, best first.
    public func destinations(of address: PeerAddress, from: UInt64, peers: [Peer], reachable: Bool, now: Int64) -> [UInt64] {
        let addressKey = AddressManager.addressKey(address)
        let unkeyed = Self.le64(Hashes.sha256(addressKey))
        let slot = (UInt64(clamping: max(0, now)) &+ unkeyed) / Self.window
        let base = Hashes.sha256(key + addressKey + AddressManager.le(slot))
        let count = reachable || base[31] & 1 == 1 ? 2 : 1
        let ranked = peers.filter { $0.id != from && Self.canCarry(address, addrv2: $0.addrv2) }
            .map { (rank: Self.le64(Hashes.sha256(base + AddressManager.le($0.id))), id: $0.id) }
            .sorted { $0.rank > $1.rank || ($0.rank == $1.rank && $0.id < $1.id) }
        return ranked.prefix(count).map(\.id)
    }

    static func le64(_ bytes: [UInt8]) -> UInt64 {
        var v: UInt64 = 0
        for i in 0..<8 { v |= UInt64(bytes[i]) << (8 * i) }
        return v
    }
}
