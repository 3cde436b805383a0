import BitcoinPrimitives
import JSON
import LightningAltnetMessages

/// One connected peer of lightningd, from `listpeers` (Core Lightning's schema: `peers[]` with
/// `id`, `connected`, `netaddr`, `features`: the BOLT 9 bit field of the peer's `init`, hex).
public struct CLNPeer: Sendable, Hashable {
    /// Its node id (hex, lowercase).
    public let id: String
    /// Whether its `init` set the altnet feature bit (420 or 421).
    public let altnet: Bool
    /// `netaddr[0]`, when given.
    public let address: String?

    public init(id: String, altnet: Bool, address: String?) {
        self.id = id
        self.altnet = altnet
        self.address = address
    }

    /// At most this many peers are read from one `listpeers` (a hub has hundreds at most).
    public static let maxPeers = 10_000
    /// Longest `features` field read, in hex digits (bit 421 needs 106).
    public static let maxFeatureHex = 4_096

    /// The connected peers in a `listpeers` result. Peers not connected, without a node id, or
    /// with features that are not hex are left out (without features: not altnet).
    /// - Parameter result: `listpeers`' result object.
    /// - Returns: the peers, in lightningd's order.
    /// - Throws: ``CLNError`` when the result has no `peers` array.
    public static func connected(inListPeers result: JSONValue) throws(CLNError) -> [CLNPeer] {
        guard let peers = result["peers"]?.arrayValue else { throw CLNError("listpeers result without a peers array") }
        var out: [CLNPeer] = []
        for entry in peers.prefix(maxPeers) {
            guard entry["connected"]?.boolValue == true, let id = entry["id"]?.stringValue, CustomMessage.isNodeID(id) else { continue }
            var altnet = false
            if let hex = entry["features"]?.stringValue, hex.utf8.count <= maxFeatureHex, let bits = try? Hex.decode(hex) {
                altnet = AltnetFeature.isAdvertised(in: bits)
            }
            let address = entry["netaddr"]?.arrayValue?.first?.stringValue.map { String($0.prefix(256)) }
            out.append(CLNPeer(id: id.lowercased(), altnet: altnet, address: address))
        }
        return out
    }
}

/// The peers last reported to the core, and what a new `listpeers` changes: peers that came,
/// peers that left (a peer whose altnet bit changed leaves and comes again).
public struct CLNPeerTracker: Sendable {
    /// The peers reported, by id.
    public private(set) var peers: [String: CLNPeer] = [:]

    public init() {}

    /// Takes a new list.
    /// - Parameter current: the connected peers now.
    /// - Returns: who left (ids, sorted) and who came (in the list's order).
    public mutating func update(_ current: [CLNPeer]) -> (left: [String], came: [CLNPeer]) {
        var next: [String: CLNPeer] = [:]
        for peer in current where next[peer.id] == nil { next[peer.id] = peer }
        let left = peers.filter { id, old in next[id].map { $0.altnet != old.altnet } ?? true }.keys.sorted()
        var came: [CLNPeer] = []
        var seen = Set<String>()
        for peer in current where seen.insert(peer.id).inserted {
            if let old = peers[peer.id], old.altnet == peer.altnet { continue }
            came.append(peer)
        }
        peers = next
        return (left, came)
    }

    /// Forgets every peer (lightningd is gone).
    /// - Returns: the ids that were reported, sorted.
    public mutating func clear() -> [String] {
        defer { peers = [:] }
        return peers.keys.sorted()
    }
}
