import BitcoindRPC

/// Chooses which of bitcoind's peers to ask for a block with `getblockfrompeer`. Pure: it reads
/// getpeerinfo entries and remembers only its rotation point and the last peer that failed.
///
/// A peer is eligible when it is outbound (full-relay, block-relay-only or manual; not inbound,
/// feeler or addr-fetch), fully connected (its version handshake is done: `version` > 0), serves
/// witness data (WITNESS), and can serve the block: NETWORK, or NETWORK_LIMITED when the block is
/// within the last 288 blocks of the tip (BIP159's NODE_NETWORK_LIMITED promise).
public struct PeerSelector: Sendable {
    /// BIP159: a NODE_NETWORK_LIMITED peer serves at least the last 288 blocks.
    public static let limitedDepth = 288
    static let outboundTypes: Set<String> = ["outbound-full-relay", "block-relay-only", "manual"]

    /// The peer picked last (the rotation point): the next pick starts after it.
    public private(set) var lastPicked: Int?
    /// The peer that failed last; never picked again immediately after.
    public private(set) var lastFailed: Int?

    public init() {}

    /// True when `peer` may be asked for a block at `blockHeight` with the tip at `tipHeight`.
    /// - Parameters:
    ///   - peer: a getpeerinfo entry.
    ///   - blockHeight: the block's height, when bitcoind knows its header on the active chain.
    ///   - tipHeight: bitcoind's tip height.
    /// - Returns: whether the peer is eligible.
    public static func isEligible(_ peer: BitcoindPeerInfo, blockHeight: Int?, tipHeight: Int) -> Bool {
        if peer.inbound == true { return false }
        if let type = peer.connectionType, !outboundTypes.contains(type) { return false }
        if let version = peer.version, version <= 0 { return false }
        let services = Set(peer.servicesNames ?? [])
        guard services.contains("WITNESS") else { return false }
        if services.contains("NETWORK") { return true }
        guard services.contains("NETWORK_LIMITED"), let blockHeight else { return false }
        return tipHeight - blockHeight < limitedDepth
    }

    /// Picks the next peer to ask, rotating through the eligible peers in id order, starting
    /// after the last one picked, skipping peers already tried for this block and the peer that
    /// failed last.
    /// - Parameters:
    ///   - peers: the current getpeerinfo list.
    ///   - blockHeight: the block's height, if known.
    ///   - tipHeight: the tip's height.
    ///   - tried: peers already asked for this block.
    /// - Returns: a peer id, or nil when no eligible peer is left.
    public mutating func next(from peers: [BitcoindPeerInfo], blockHeight: Int?, tipHeight: Int, tried: Set<Int>) -> Int? {
        let ids = peers
            .filter { Self.isEligible($0, blockHeight: blockHeight, tipHeight: tipHeight) }
            .map(\.id)
            .filter { !tried.contains($0) && $0 != lastFailed }
            .sorted()
        guard !ids.isEmpty else { return nil }
        let pick = lastPicked.flatMap { last in ids.first { $0 > last } } ?? ids[0]
        lastPicked = pick
        return pick
    }

    /// Records that `peer` did not deliver (an error or a timeout).
    public mutating func failed(_ peer: Int) { lastFailed = peer }

    /// Records that `peer` delivered; it is no longer the last failing peer.
    public mutating func delivered(_ peer: Int) {
        if lastFailed == peer { lastFailed = nil }
    }
}
