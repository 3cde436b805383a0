import AddressManager
import BitcoinPrimitives

/// One peer's address-relay state, Core's `Peer` fields of the same names
/// (src/net_processing.cpp): sendaddrv2 seen, getaddr answered or sent, the addr token bucket,
/// the addresses the peer is known to have, and the misbehaviour score.
struct SimAddrRelayState: Sendable {
    /// Address relay is on for this peer (m_addr_relay_enabled): outbound peers from the
    /// handshake, inbound peers once they send getaddr, addr or addrv2.
    var relayEnabled = false
    /// The peer sent `sendaddrv2` before verack: answer with `addrv2` (m_wants_addrv2).
    var wantsAddrV2 = false
    /// A `getaddr` was answered on this connection: later ones are ignored (m_getaddr_recvd).
    var getaddrReceived = false
    /// We asked this (outbound) peer with `getaddr` and its answer has not ended (m_getaddr_sent).
    var getaddrSent = false
    /// Addresses we may still process (m_addr_token_bucket: 0.1 per second up to 1,000; starts
    /// at 1, our own getaddr adds 1,000): the BIP324 driver's `AddressRateLimit`.
    var rateLimit: AddressRateLimit
    /// Addresses this peer sent us or we sent it, never sent to it again (m_addr_known, a
    /// rolling bloom filter of 5,000 in Core; here a set cleared when full).
    private(set) var known: Set<PeerAddress> = []
    /// Addresses processed and dropped by the rate limit (getpeerinfo's addr_processed and
    /// addr_rate_limited).
    var processed = 0
    var rateLimited = 0
    /// Core v26's misbehaviour score: 100 disconnects (v28: any misbehaviour does).
    var misbehaviour = 0

    static let maxKnown = 5_000

    init(now: Int64) { rateLimit = AddressRateLimit(now: Double(now)) }

    mutating func remember(_ address: PeerAddress) {
        if known.count >= Self.maxKnown { known.removeAll() }
        known.insert(address)
    }
}
