import BitcoinPrimitives

/// Transactions and blocks over P2P, as bitcoind v26: tx announcements (by wtxid to BIP339
/// peers, by txid to others) answered with getdata, `tx` messages accepted into the mempool
/// with sendrawtransaction's checks, accepted transactions announced to the other peers, and
/// new tips announced with `headers` (BIP130) or `inv`.
extension SimnodeNode {
    /// Core waits this long before requesting an announced transaction from an inbound
    /// (non-preferred) peer (NONPREF_PEER_TX_DELAY).
    static let inboundTxRequestDelay: Duration = .seconds(2)
    /// At most this many blocks announced by headers; more become one inv (MAX_BLOCKS_TO_ANNOUNCE).
    static let maxBlocksToAnnounce = 8

    /// inv from a peer: transactions of the kind the peer should announce (MSG_WTX after
    /// wtxidrelay, MSG_TX otherwise) that simnode lacks are requested after Core's delay.
    func receiveInventory(_ peer: inout P2PPeer, _ items: [Inventory]) {
        var wanted: [Inventory] = []
        for item in items {
            switch item.type {
            case .block:
                peer.bestKnown = BlockHash(item.hash)
            case .wtx where peer.wtxidRelay, .tx where !peer.wtxidRelay:
                peer.remember(item.hash)
                if initialBlockDownload { continue }
                let have = item.type == .tx
                    ? mempool[item.hash] != nil
                    : mempool.values.contains { $0.tx.wtxid == item.hash }
                if !have {
                    // Core asks wtxid-relay peers with MSG_WTX, others with MSG_WITNESS_TX.
                    wanted.append(Inventory(type: item.type == .wtx ? .wtx : .witnessTx, hash: item.hash))
                }
            default:
                continue
            }
        }
        guard !wanted.isEmpty else { return }
        let id = peer.id
        Task {
            try? await Task.sleep(for: Self.inboundTxRequestDelay)
            self.requestTransactions(wanted, from: id)
        }
    }

    /// Sends the delayed getdata for the announced transactions still missing.
    func requestTransactions(_ items: [Inventory], from id: Int) {
        guard let peer = p2p.peers[id] else { return }
        let missing = items.filter { item in
            item.type == .wtx
                ? !mempool.values.contains { $0.tx.wtxid == item.hash }
                : mempool[item.hash] == nil
        }
        guard !missing.isEmpty else { return }
        peer.send([P2PMessage.getdata(missing).frame])
    }

    /// A `tx` message: accepted with sendrawtransaction's checks (which publish ZMQ and
    /// announce it to the other peers), rejected ones logged. Ignored during initial block
    /// download, as Core ignores them.
    func receiveTransaction(_ peer: inout P2PPeer, _ payload: [UInt8]) {
        guard let tx = try? SimTransaction(bytes: payload) else {
            p2p.logger.info("peer \(peer.id) sent an undecodable tx (\(payload.count) bytes)")
            return
        }
        peer.remember(tx.txid, tx.wtxid)
        p2p.peers[peer.id] = peer  // so the announcement below skips the sender
        if initialBlockDownload {
            p2p.logger.debug("ignoring tx \(tx.txid.displayHex) from peer \(peer.id) during initial block download")
            return
        }
        guard mempool[tx.txid] == nil else { return }
        do {
            _ = try mempoolMethod("sendrawtransaction", .array([.string(Hex.encode(payload))]))
            p2p.logger.info("accepted tx \(tx.txid.displayHex) from peer \(peer.id)")
        } catch {
            p2p.logger.info("rejected tx \(tx.txid.displayHex) from peer \(peer.id): \(error.message) (code \(error.code))")
        }
    }

    /// An unsolicited `block` message: handled like submitblock (same checks), result logged.
    func receiveBlock(_ id: Int, _ payload: [UInt8]) {
        do {
            let result = try submitBlock(Hex.encode(payload))
            p2p.logger.info("block from peer \(id): \(result == .null ? "accepted" : "\(result)")")
        } catch {
            p2p.logger.info("block from peer \(id) rejected: \(error.message)")
        }
    }

    /// Announces a transaction newly in the mempool to every fully connected peer that asked
    /// for transaction relay and does not know it yet.
    func p2pAnnounce(_ tx: SimTransaction) {
        for id in p2p.peers.keys.sorted() {
            guard var peer = p2p.peers[id], peer.verackReceived, peer.version?.relay != false else { continue }
            guard !peer.knownTransactions.contains(tx.txid), !peer.knownTransactions.contains(tx.wtxid) else { continue }
            let item = peer.wtxidRelay ? Inventory(type: .wtx, hash: tx.wtxid) : Inventory(type: .tx, hash: tx.txid)
            peer.remember(tx.txid, tx.wtxid)
            p2p.peers[id] = peer
            peer.send([P2PMessage.inv([item]).frame])
        }
    }

    /// Announces the active tip to every fully connected peer after it moved: the headers of
    /// the new blocks (up to 8) to sendheaders peers when they connect to what the peer knows,
    /// otherwise an inv of the tip. Nothing during initial block download, as Core.
    func p2pAnnounceTip() {
        guard !initialBlockDownload, !p2p.peers.isEmpty else { return }
        let tip = chain.tip
        for id in p2p.peers.keys.sorted() {
            guard var peer = p2p.peers[id], peer.verackReceived, peer.bestKnown != tip.hash else { continue }
            var frame = P2PMessage.inv([Inventory(type: .block, hash: tip.hash.hash)]).frame
            if peer.sendHeaders, let headers = newHeaders(since: peer.bestKnown) {
                frame = P2PMessage.headers(headers).frame
            }
            peer.bestKnown = tip.hash
            p2p.peers[id] = peer
            peer.send([frame])
        }
    }

    /// The active chain's headers after `known` up to the tip, when `known` is on the active
    /// chain and at most 8 blocks behind; nil otherwise.
    private func newHeaders(since known: BlockHash?) -> [BlockHeader]? {
        guard let known, let entry = chain.entry(known), chain.isActive(entry) else { return nil }
        let count = chain.height - entry.height
        guard count >= 1, count <= Self.maxBlocksToAnnounce else { return nil }
        return ((entry.height + 1)...chain.height).compactMap { h in chain.hash(atHeight: h).flatMap { chain.entry($0)?.header } }
    }
}
