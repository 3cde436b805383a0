import BitcoinPrimitives

/// One peer's addresses waiting to be relayed to it (Core's `m_addrs_to_send` and
/// `m_addr_known`): bounded at ``capacity`` (past it new ones are dropped and counted), an
/// address it sent us or we sent it is not queued again (the last ``knownCapacity`` remembered,
/// oldest forgotten first), and it is sent at random intervals averaging `interval` (Core:
/// `AVG_ADDRESS_BROADCAST_INTERVAL`, 30 s, Poisson), so the time an address arrives does not
/// tell which peer it came from.
public struct AddressRelayQueue: Sendable {
    /// Most addresses queued for one peer (Core: `MAX_ADDR_TO_SEND`, 1,000).
    public static let capacity = 1000
    /// Addresses remembered per peer as known to it (Core's rolling filter holds 5,000).
    public static let knownCapacity = 5000

    public private(set) var pending: [AddressEntry] = []
    /// Addresses not queued because the queue was full.
    public private(set) var dropped = 0
    private var known = Set<PeerAddress>()
    private var knownOrder: [PeerAddress] = []
    private var knownStart = 0
    /// When the queue is next sent (seconds on the caller's monotonic clock).
    public private(set) var nextSend: Double

    /// - Parameter firstSend: when the first batch may go (monotonic seconds).
    public init(firstSend: Double) { nextSend = firstSend }

    /// The peer told us about `address` (or we told it): not relayed back to it.
    public mutating func markKnown(_ address: PeerAddress) {
        guard known.insert(address).inserted else { return }
        knownOrder.append(address)
        if known.count > Self.knownCapacity {
            known.remove(knownOrder[knownStart])
            knownStart += 1
            if knownStart > Self.knownCapacity {  // compact now and then
                knownOrder.removeFirst(knownStart)
                knownStart = 0
            }
        }
    }

    /// Queues an address for the peer.
    /// - Returns: false when it is known to the peer already or the queue is full (counted).
    @discardableResult
    public mutating func enqueue(_ entry: AddressEntry) -> Bool {
        guard !known.contains(entry.address) else { return false }
        guard pending.count < Self.capacity else {
            dropped += 1
            return false
        }
        markKnown(entry.address)
        pending.append(entry)
        return true
    }

    /// The batch due at `now` (empty when not due, or nothing waits); once due, the next send is
    /// `now + delay` either way.
    /// - Parameters:
    ///   - now: monotonic seconds.
    ///   - delay: the wait until the next batch (the caller draws it from an exponential).
    public mutating func take(now: Double, delay: Double) -> [AddressEntry] {
        guard now >= nextSend else { return [] }
        nextSend = now + delay
        defer { pending = [] }
        return pending
    }
}
