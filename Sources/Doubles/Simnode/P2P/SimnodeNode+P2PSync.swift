import BitcoinPrimitives

/// Header-first sync from a peer simnode connected to (`--connect`, `addnode`), as bitcoind
/// syncs from an outbound peer: getheaders with a locator after verack and on a block inv,
/// each batch of headers checked and stored, the blocks asked with getdata (witness), more
/// headers asked while a batch is full (2,000). Blocks arrive as `block` messages and are
/// taken as submitblock would.
extension SimnodeNode {
    /// getheaders with a locator of our active chain, stop unset.
    func syncRequest() -> P2PFrame {
        let locator = BlockLocator.hashes(tipHeight: chain.height) { chain.hash(atHeight: $0) }
        return P2PMessage.getheaders(GetHeadersMessage(version: UInt32(Self.protocolVersion), locator: locator)).frame
    }

    /// A `headers` message from a peer: valid headers stored (the first invalid one ends the
    /// batch, logged), blocks without data requested, and more headers asked if the batch was full.
    func receiveHeaders(_ peer: inout P2PPeer, _ headers: [BlockHeader]) -> [P2PFrame] {
        var wanted: [Inventory] = []
        for header in headers {
            let hash = header.hash
            if let known = chain.entry(hash) {
                if known.block == nil && !known.failed { wanted.append(Inventory(type: .witnessBlock, hash: hash.hash)) }
                continue
            }
            if let reason = rejectReason(header) {
                p2p.logger.info("peer \(peer.id) sent an invalid header \(hash.displayHex): \(reason)")
                break
            }
            do {
                try chain.add(header: header, block: nil)
            } catch {
                p2p.logger.info("peer \(peer.id) header \(hash.displayHex) not stored: \(error)")
                break
            }
            wanted.append(Inventory(type: .witnessBlock, hash: hash.hash))
        }
        if let last = headers.last { peer.bestKnown = last.hash }
        var frames: [P2PFrame] = []
        for start in stride(from: 0, to: wanted.count, by: 500) {
            frames.append(P2PMessage.getdata(Array(wanted[start..<min(start + 500, wanted.count)])).frame)
        }
        if headers.count == P2PLimits.maxHeaders { frames.append(syncRequest()) }
        return frames
    }
}
