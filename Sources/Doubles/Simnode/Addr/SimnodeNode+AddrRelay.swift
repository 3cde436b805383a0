import BitcoinPrimitives

/// Core's `RelayAddress` (src/net_processing.cpp): a fresh address (seen in the last 10 minutes)
/// from an `addr`/`addrv2` of at most 10 entries that was not the answer to our getaddr goes on
/// to 2 other peers with address relay enabled that can carry it (addrv2 peers, or any peer for
/// IPv4/IPv6) and do not know it yet. Core picks the 2 peers with a keyed hash that stays the same
/// for 24 hours and sends on a trickle timer (about 30 s on average); simnode picks them at
/// random and sends at once, as it announces transactions at once.
extension SimnodeNode {
    func relayAddress(from originator: Int, _ entry: AddressEntry) {
        var rng = SystemRandomNumberGenerator()
        let candidates = p2p.peers.values.filter { peer in
            peer.id != originator && peer.verackReceived && peer.addrRelay.relayEnabled
                && (peer.addrRelay.wantsAddrV2 || entry.address.ipAddress != nil)
        }
        for var peer in candidates.shuffled(using: &rng).prefix(2) {
            guard !peer.addrRelay.known.contains(entry.address) else { continue }
            peer.addrRelay.remember(entry.address)
            p2p.peers[peer.id] = peer
            peer.send([(peer.addrRelay.wantsAddrV2 ? P2PMessage.addrv2([entry]) : P2PMessage.addr([entry])).frame])
        }
    }
}
