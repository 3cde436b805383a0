import BitcoinPrimitives
import JSON

/// What to do after one message from a peer: frames to send back, and whether to disconnect.
struct P2PReply: Sendable {
    var frames: [P2PFrame] = []
    /// Set when the peer broke a rule bitcoind disconnects for.
    var disconnect: String?
}

/// simnode's P2P message handling, following bitcoind v26's net_processing for an inbound
/// peer: the version handshake (version, wtxidrelay, sendaddrv2, verack; sendheaders after
/// verack), ping, getheaders, getdata, inv and tx. Messages other than the handshake's before
/// verack are ignored, as Core ignores them; wtxidrelay or sendaddrv2 after verack disconnects.
extension SimnodeNode {
    /// Protocol version simnode speaks (Core's PROTOCOL_VERSION since v0.21: 70016).
    static let protocolVersion: Int32 = 70016
    /// NODE_NETWORK | NODE_WITNESS (| NODE_P2P_V2 when v2 is on, see ``p2pServices(v2:)``).
    static let p2pServices: UInt64 = 0x409
    /// BIP339 / BIP155 need this version (Core's WTXID_RELAY_VERSION).
    static let wtxidRelayVersion: Int32 = 70016
    /// BIP130 (Core's SENDHEADERS_VERSION).
    static let sendHeadersVersion: Int32 = 70012
    /// Core's MIN_PEER_PROTO_VERSION: older peers are disconnected.
    static let minPeerVersion: Int32 = 31800

    /// Sets -v2transport for the version message's services (the listener does the rest).
    public func setV2Transport(_ enabled: Bool) { p2p.v2transport = enabled }

    /// Registers a new connection.
    /// - Parameters:
    ///   - addr: the remote address.
    ///   - addrBind: our local address.
    ///   - inbound: false for connections we made (`--connect`, `addnode`: "manual").
    ///   - send: writes frames to the connection (from any thread).
    ///   - disconnect: closes the connection.
    /// - Returns: the peer id (getpeerinfo's "id").
    func p2pConnected(
        addr: String, addrBind: String, inbound: Bool = true,
        send: @escaping @Sendable ([P2PFrame]) -> Void, disconnect: @escaping @Sendable () -> Void
    ) -> Int {
        let id = nextPeerId
        nextPeerId += 1
        p2p.peers[id] = P2PPeer(
            id: id, addr: addr, addrBind: addrBind, inbound: inbound, conntime: clock(), send: send, disconnect: disconnect)
        p2p.logger.debug("peer \(id) connected from \(addr)")
        return id
    }

    /// Records the transport once the wire knows it; on a connection we made, our version
    /// goes out now (the initiator speaks first, as bitcoind).
    func p2pTransport(_ id: Int, type: String, sessionID: [UInt8]?) -> P2PReply {
        p2p.peers[id]?.transport = type
        p2p.peers[id]?.sessionID = sessionID.map { Hex.encode($0) } ?? ""
        p2p.logger.debug("peer \(id) transport \(type)")
        guard let peer = p2p.peers[id], !peer.inbound else { return P2PReply() }
        return P2PReply(frames: [P2PMessage.version(versionMessage(v2: p2p.v2transport)).frame])
    }

    /// Forgets a closed connection.
    func p2pDisconnected(_ id: Int) {
        p2p.peers[id] = nil
        p2p.logger.debug("peer \(id) disconnected")
    }

    /// The getpeerinfo entries of real connections, by id.
    func p2pPeerJSON() -> [JSONValue] {
        let now = clock()
        return p2p.peers.keys.sorted().compactMap { p2p.peers[$0]?.json(now: now, height: chain.height) }
    }

    /// Handles one message from a peer.
    /// - Parameters:
    ///   - id: the peer (from ``p2pConnected(addr:addrBind:send:disconnect:)``).
    ///   - frame: the message.
    /// - Returns: the frames to send back and whether to disconnect.
    func p2pReceive(_ id: Int, _ frame: P2PFrame) -> P2PReply {
        guard var peer = p2p.peers[id] else { return P2PReply(disconnect: "unknown peer") }
        defer { if p2p.peers[id] != nil { p2p.peers[id] = peer } }
        switch frame.command {
        case .version:
            return handshakeVersion(&peer, frame)
        case .verack:
            guard peer.version != nil, !peer.verackReceived else { return P2PReply() }
            peer.verackReceived = true
            var frames: [P2PFrame] = []
            if let v = peer.version, v.version >= Self.sendHeadersVersion { frames.append(P2PMessage.sendheaders.frame) }
            // A peer we connected to is where we sync from: ask for its headers.
            if !peer.inbound { frames.append(syncRequest()) }
            return P2PReply(frames: frames)
        case .wtxidrelay:
            if peer.verackReceived { return P2PReply(disconnect: "wtxidrelay received after verack") }
            if let v = peer.version, v.version >= Self.wtxidRelayVersion { peer.wtxidRelay = true }
            return P2PReply()
        case .sendaddrv2:
            if peer.verackReceived { return P2PReply(disconnect: "sendaddrv2 received after verack") }
            return P2PReply()
        default:
            break
        }
        guard peer.version != nil else {
            p2p.logger.debug("non-version message before version handshake: \(frame.command) from peer \(id)")
            return P2PReply()
        }
        guard peer.verackReceived else {
            p2p.logger.debug("unsupported message \(frame.command) prior to verack from peer \(id)")
            return P2PReply()
        }
        return p2pAfterHandshake(&peer, frame)
    }

    private func handshakeVersion(_ peer: inout P2PPeer, _ frame: P2PFrame) -> P2PReply {
        guard peer.version == nil else { return P2PReply() }  // redundant version: ignored
        guard case .version(let theirs)? = try? P2PMessage(frame: frame) else {
            return P2PReply(disconnect: "malformed version")
        }
        guard theirs.version >= Self.minPeerVersion else {
            return P2PReply(disconnect: "peer uses obsolete version \(theirs.version)")
        }
        peer.version = theirs
        // Inbound: our version answers theirs; outbound: ours went out first.
        var frames = peer.inbound ? [P2PMessage.version(versionMessage(v2: p2p.v2transport)).frame] : []
        if theirs.version >= Self.wtxidRelayVersion {
            frames += [P2PMessage.wtxidrelay.frame, P2PMessage.sendaddrv2.frame]
        }
        frames.append(P2PMessage.verack.frame)
        return P2PReply(frames: frames)
    }

    private func p2pAfterHandshake(_ peer: inout P2PPeer, _ frame: P2PFrame) -> P2PReply {
        switch frame.command {
        case .tx:
            receiveTransaction(&peer, frame.payload)
            return P2PReply()
        case .block:
            receiveBlock(peer.id, frame.payload)
            return P2PReply()
        default:
            break
        }
        let message: P2PMessage
        do {
            message = try P2PMessage(frame: frame)
        } catch {
            p2p.logger.debug("undecodable \(frame.command) from peer \(peer.id): \(error)")
            return P2PReply()
        }
        switch message {
        case .ping(let nonce):
            return P2PReply(frames: [P2PMessage.pong(nonce: nonce).frame])
        case .sendheaders:
            peer.sendHeaders = true
            return P2PReply()
        case .getheaders(let request):
            if initialBlockDownload {
                p2p.logger.debug("ignoring getheaders from peer \(peer.id) because node is in initial block download")
                return P2PReply()
            }
            let found = headers(after: request.locator, stop: request.hashStop)
            peer.bestKnown = found.last?.hash ?? chain.tip.hash
            return P2PReply(frames: [P2PMessage.headers(found).frame])
        case .getdata(let items):
            return P2PReply(frames: getdata(items))
        case .inv(let items):
            receiveInventory(&peer, items)
            // An unknown block announced: ask for the headers leading to it (headers-first).
            let unknown = items.contains { $0.type.base == .block && chain.entry(BlockHash($0.hash)) == nil }
            return P2PReply(frames: unknown ? [syncRequest()] : [])
        case .headers(let headers):
            return P2PReply(frames: receiveHeaders(&peer, headers))
        default:
            return P2PReply()
        }
    }

    func versionMessage(v2: Bool = false) -> VersionMessage {
        let unspecified = NetworkAddress(services: 0, ip: .unspecified, port: 0)
        var rng = SystemRandomNumberGenerator()
        return VersionMessage(
            version: Self.protocolVersion, services: Self.p2pServices | (v2 ? Self.nodeP2PV2 : 0), timestamp: clock(),
            receiver: unspecified, sender: unspecified, nonce: rng.next(),
            userAgent: Array(Self.subversion.utf8), startHeight: Int32(clamping: chain.height), relay: true)
    }

    /// NODE_P2P_V2 (BIP324), advertised when simnode accepts v2.
    static let nodeP2PV2: UInt64 = 1 << 11

    /// Headers following the first locator hash on the active chain (genesis if none is),
    /// up to 2,000 or `stop`, as Core's getheaders handling. An empty locator asks for the
    /// `stop` block's header alone.
    func headers(after locator: [BlockHash], stop: BlockHash) -> [BlockHeader] {
        if locator.isEmpty {
            return chain.entry(stop).map { [$0.header] } ?? []
        }
        var start = 0
        for hash in locator {
            if let e = chain.entry(hash), chain.isActive(e) {
                start = e.height
                break
            }
        }
        var result: [BlockHeader] = []
        var height = start + 1
        while result.count < P2PLimits.maxHeaders, let hash = chain.hash(atHeight: height), let e = chain.entry(hash) {
            result.append(e.header)
            if hash == stop { break }
            height += 1
        }
        return result
    }

    /// Blocks (with witness when asked with the witness flag) and mempool transactions. As
    /// Core, a block simnode has no data for gets no answer at all; unknown transactions go
    /// back in one `notfound`.
    func getdata(_ items: [Inventory]) -> [P2PFrame] {
        var frames: [P2PFrame] = []
        var missing: [Inventory] = []
        for item in items {
            switch item.type.base {
            case .block:
                if let block = chain.entry(BlockHash(item.hash))?.block {
                    let payload = item.type.isWitness ? block.serialized : block.strippedSerialized
                    frames.append(P2PFrame(command: .block, payload: payload))
                }
            case .tx:
                if let tx = mempool[item.hash]?.tx {
                    frames.append(P2PFrame(command: .tx, payload: item.type.isWitness ? tx.bytes : tx.stripped))
                } else {
                    missing.append(item)
                }
            case .wtx:
                if let tx = mempool.values.first(where: { $0.tx.wtxid == item.hash })?.tx {
                    frames.append(P2PFrame(command: .tx, payload: tx.bytes))
                } else {
                    missing.append(item)
                }
            default:
                break
            }
        }
        if !missing.isEmpty { frames.append(P2PMessage.notfound(missing).frame) }
        return frames
    }
}
