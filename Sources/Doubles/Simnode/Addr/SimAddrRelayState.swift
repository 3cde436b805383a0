import BitcoinPrimitives

/// One peer's address-relay state, Core's `Peer` fields of the same names
/// (src/net_processing.cpp): sendaddrv2 seen, getaddr answered or sent, the addr token bucket,
/// the addresses the peer is known to have, and the misbehaviour score.
struct SimAddrRelayState: Sendable {
    /// The peer sent `sendaddrv2` before verack: answer with `addrv2` (m_wants_addrv2).
    var wantsAddrV2 = false
    /// A `getaddr` was answered on this connection: later ones are ignored (m_getaddr_recvd).
    var getaddrReceived = false
    /// We asked this (outbound) peer with `getaddr` and its answer has not ended (m_getaddr_sent).
    var getaddrSent = false
    /// Addresses we may still process (m_addr_token_bucket), refilled at 0.1 per second up to
    /// 1,000; starts at 1, and our own getaddr adds 1,000.
    var tokens = 1.0
    /// When the bucket was last refilled, Unix seconds (m_addr_token_timestamp).
    var tokenTime: Int64
    /// Addresses this peer sent us or we sent it, never sent to it again (m_addr_known, a
    /// rolling bloom filter of 5,000 in Core; here a set cleared when full).
    private(set) var known: Set<PeerAddress> = []
    /// Addresses processed and dropped by the rate limit (getpeerinfo's addr_processed and
    /// addr_rate_limited).
    var processed = 0
    var rateLimited = 0
    /// Core v26's misbehaviour score: 100 disconnects (v28: any misbehaviour does).
    var misbehaviour = 0

    /// Core's MAX_ADDR_RATE_PER_SECOND and MAX_ADDR_PROCESSING_TOKEN_BUCKET.
    static let ratePerSecond = 0.1
    static let maxTokens = Double(P2PLimits.maxAddresses)
    static let maxKnown = 5_000

    init(now: Int64) { tokenTime = now }

    /// Refills the bucket for the time since the last `addr` message.
    mutating func refill(now: Int64) {
        if tokens < Self.maxTokens {
            tokens = min(tokens + Double(max(now - tokenTime, 0)) * Self.ratePerSecond, Self.maxTokens)
        }
        tokenTime = now
    }

    /// Takes one token.
    /// - Returns: false when the bucket is empty (the address is rate-limited).
    mutating func take() -> Bool {
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }

    mutating func remember(_ address: PeerAddress) {
        if known.count >= Self.maxKnown { known.removeAll() }
        known.insert(address)
    }
}
