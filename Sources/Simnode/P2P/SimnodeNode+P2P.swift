import BitcoinPrimitives

/// Answers to v1 P2P messages from simnode's chain: the version handshake, ping, getheaders
/// and getdata (blocks and mempool transactions). Everything else is ignored, as a node
/// ignores messages it has no use for.
extension SimnodeNode {
    /// Protocol version simnode speaks (Core's PROTOCOL_VERSION since v0.21: 70016).
    static let protocolVersion: Int32 = 70016
    /// NODE_NETWORK | NODE_WITNESS.
    static let p2pServices: UInt64 = 0x409

    /// The frames to send in reply to one message from a peer.
    /// - Parameter message: a decoded message.
    /// - Returns: reply frames in order (possibly none).
    public func p2pAnswer(_ message: P2PMessage) -> [P2PFrame] {
        switch message {
        case .version:
            return [P2PMessage.version(versionMessage()).frame, P2PMessage.verack.frame]
        case .ping(let nonce):
            return [P2PMessage.pong(nonce: nonce).frame]
        case .getheaders(let request):
            return [P2PMessage.headers(headers(after: request.locator, stop: request.hashStop)).frame]
        case .getdata(let items):
            return getdata(items)
        default:
            return []
        }
    }

    func versionMessage() -> VersionMessage {
        let unspecified = NetworkAddress(services: 0, ip: .unspecified, port: 0)
        var rng = SystemRandomNumberGenerator()
        return VersionMessage(
            version: Self.protocolVersion, services: Self.p2pServices, timestamp: clock(),
            receiver: unspecified, sender: unspecified, nonce: rng.next(),
            userAgent: Array(Self.subversion.utf8), startHeight: Int32(clamping: chain.height), relay: true)
    }

    /// Headers following the first locator hash on the active chain (genesis if none is),
    /// up to 2,000 or `stop`, as Core's getheaders handling.
    func headers(after locator: [BlockHash], stop: BlockHash) -> [BlockHeader] {
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

    /// Blocks (with witness when asked with the witness flag) and mempool transactions;
    /// anything unknown goes back in one `notfound`.
    func getdata(_ items: [Inventory]) -> [P2PFrame] {
        var frames: [P2PFrame] = []
        var missing: [Inventory] = []
        for item in items {
            switch item.type.base {
            case .block:
                if let block = chain.entry(BlockHash(item.hash))?.block {
                    let payload = item.type.isWitness ? block.serialized : block.strippedSerialized
                    frames.append(P2PFrame(command: .block, payload: payload))
                } else {
                    missing.append(item)
                }
            case .tx, .wtx:
                let entry = mempool[item.hash] ?? mempool.values.first { $0.tx.wtxid == item.hash }
                if let tx = entry?.tx {
                    frames.append(P2PFrame(command: .tx, payload: item.type.isWitness || item.type == .wtx ? tx.bytes : tx.stripped))
                } else {
                    missing.append(item)
                }
            default:
                missing.append(item)
            }
        }
        if !missing.isEmpty { frames.append(P2PMessage.notfound(missing).frame) }
        return frames
    }
}
