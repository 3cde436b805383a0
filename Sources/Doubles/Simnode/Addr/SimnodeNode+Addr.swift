import AddressManager
import BitcoinPrimitives

/// Address relay as bitcoind v26's net_processing: `getaddr` answered for inbound peers only,
/// once per connection, from a per-local-socket cache of up to 1,000 addresses and 23% of the
/// book (addrv2 to peers that sent sendaddrv2, else addr with IPv4/IPv6 only); `addr`/`addrv2`
/// stored through the token bucket; more than 1,000 entries is misbehaviour; our own getaddr to
/// outbound peers after the handshake; fresh addresses from small messages relayed
/// (SimnodeNode+AddrRelay.swift). Not done: advertising our own address.
extension SimnodeNode {
    /// Core's MAX_PCT_ADDR_TO_SEND.
    static let maxPercentAddrToSend = 23
    /// NODE_NETWORK | NODE_NETWORK_LIMITED: an address worth keeping (MayHaveUsefulAddressDB).
    static let usefulAddressServices: UInt64 = 1 | (1 << 10)

    /// Lets loopback addresses into the book (`--simaddrloopback`, simnode only).
    public func setAddrLoopback(_ allowed: Bool) { p2p.book.allowLoopback = allowed }

    /// `getaddr`: ignored from outbound peers and when repeated, else the cached answer.
    func receiveGetAddr(_ peer: inout P2PPeer) -> P2PReply {
        guard peer.inbound else {
            p2p.logger.debug("Ignoring \"getaddr\" from outbound connection. peer=\(peer.id)")
            return P2PReply()
        }
        guard !peer.addrRelay.getaddrReceived else {
            p2p.logger.debug("Ignoring repeated \"getaddr\". peer=\(peer.id)")
            return P2PReply()
        }
        peer.addrRelay.getaddrReceived = true
        peer.addrRelay.relayEnabled = true
        return P2PReply(frames: addrFrames(&peer, cachedAddrResponse(for: peer)))
    }

    /// The getaddr answer for the peer's local socket, as `CConnman::GetAddresses(requestor, ...)`:
    /// chosen once and kept 21 to 27 hours.
    private func cachedAddrResponse(for peer: P2PPeer) -> [SimAddressBook.Entry] {
        let now = clock()
        if let cached = p2p.addrCache[peer.addrBind], cached.expires >= now { return cached.entries }
        var rng = SystemRandomNumberGenerator()
        let entries = p2p.book.select(
            max: P2PLimits.maxAddresses, percent: Self.maxPercentAddrToSend, now: now, using: &rng)
        if p2p.addrCache.count >= 64 { p2p.addrCache.removeAll() }  // local sockets: a handful
        p2p.addrCache[peer.addrBind] = SimAddrCacheEntry(
            entries: entries, expires: now + 21 * 3600 + Int64.random(in: 0..<(6 * 3600), using: &rng))
        return entries
    }

    /// The entries the peer does not know yet, in one addrv2 or addr message (none when empty).
    private func addrFrames(_ peer: inout P2PPeer, _ entries: [SimAddressBook.Entry]) -> [P2PFrame] {
        var out: [AddressEntry] = []
        for entry in entries where !peer.addrRelay.known.contains(entry.address) {
            if !peer.addrRelay.wantsAddrV2 && entry.address.ipAddress == nil { continue }
            peer.addrRelay.remember(entry.address)
            out.append(AddressEntry(time: UInt32(clamping: entry.time), services: entry.services, address: entry.address))
        }
        guard !out.isEmpty else { return [] }
        return [(peer.addrRelay.wantsAddrV2 ? P2PMessage.addrv2(out) : P2PMessage.addr(out)).frame]
    }

    /// `addr` / `addrv2` (already decoded, so at most 1,000 entries): rate-limited, filtered
    /// and stored with a 2-hour time penalty unless the peer announces its own address.
    func receiveAddr(_ peer: inout P2PPeer, _ entries: [AddressEntry]) -> P2PReply {
        let now = clock()
        peer.addrRelay.relayEnabled = true
        let source = (try? HostPort(parsing: peer.addr)).flatMap { PeerAddress($0) }
        var rng = SystemRandomNumberGenerator()
        let allowed = peer.addrRelay.rateLimit.take(entries.count, now: Double(now))
        peer.addrRelay.rateLimited += entries.count - allowed
        for entry in entries.shuffled(using: &rng).prefix(allowed) {
            guard entry.services & Self.usefulAddressServices != 0 else { continue }
            var time = Int64(entry.time)
            if time <= 100_000_000 || time > now + 600 { time = now - 5 * 24 * 3600 }
            peer.addrRelay.remember(entry.address)
            peer.addrRelay.processed += 1
            if time > now - 600, !peer.addrRelay.getaddrSent, entries.count <= 10,
                Routability.isRoutable(entry.address, loopback: p2p.book.allowLoopback)
            {
                relayAddress(from: peer.id, AddressEntry(time: UInt32(clamping: time), services: entry.services, address: entry.address))
            }
            // Reachable networks of a bitcoind without -proxy/-onion: IPv4 and IPv6.
            guard entry.address.network == .ipv4 || entry.address.network == .ipv6 else { continue }
            let selfAnnounced = source.map { $0.network == entry.address.network && $0.bytes == entry.address.bytes } ?? false
            p2p.book.add(entry.address, services: entry.services, time: time, penalty: selfAnnounced ? 0 : 2 * 3600, now: now)
        }
        if entries.count < P2PLimits.maxAddresses { peer.addrRelay.getaddrSent = false }
        return P2PReply()
    }

    /// An `addr`/`addrv2` whose count is over 1,000 (the codec refuses to decode it):
    /// misbehaviour, as Core's "addr message size = N".
    func oversizedAddr(_ peer: inout P2PPeer, command: P2PCommand, count: UInt64) -> P2PReply {
        misbehaving(&peer, 20, "\(command) message size = \(count)")
    }

    /// Core's `Misbehaving`: v26 and v27 add to a score and disconnect at 100; v28 disconnects
    /// at once. Peers we connected to ourselves (manual) are never punished.
    func misbehaving(_ peer: inout P2PPeer, _ howmuch: Int, _ reason: String) -> P2PReply {
        peer.addrRelay.misbehaviour += howmuch
        p2p.logger.info("Misbehaving: peer=\(peer.id) (\(peer.addrRelay.misbehaviour - howmuch) -> \(peer.addrRelay.misbehaviour)) reason: \(reason)")
        guard peer.inbound else { return P2PReply() }
        if coreVersion >= .v28 || peer.addrRelay.misbehaviour >= 100 {
            return P2PReply(disconnect: "peer misbehaving: \(reason)")
        }
        return P2PReply()
    }
}

/// One cached getaddr answer (Core's CachedAddrResponse).
struct SimAddrCacheEntry: Sendable {
    let entries: [SimAddressBook.Entry]
    /// Unix seconds.
    let expires: Int64
}
