import BitcoinPrimitives
import BitcoindRPC

/// Why a block could not be fetched through bitcoind's peers.
public enum BlockFetchError: Error, Sendable, Equatable, CustomStringConvertible {
    /// bitcoind does not know the block's header and none was supplied.
    case headerMissing(BlockHash)
    /// bitcoind has no peer that may be asked for this block (see ``PeerSelector``).
    case noEligiblePeer(BlockHash)
    /// bitcoind is pruned and the block is above its active tip: pruned bitcoind refuses
    /// `getblockfrompeer` for such blocks whatever the peer (src/rpc/blockchain.cpp,
    /// getblockfrompeer, v26-v28), so no peer is asked.
    case prunedAboveTip(BlockHash, height: Int, tipHeight: Int)
    /// The deadline passed before any peer delivered; the last failure seen, if any.
    case deadline(BlockHash, peersTried: Int, lastFailure: String?)
    /// bitcoind itself failed (unreachable, bad credentials, an unexpected error).
    case bitcoind(BitcoindRPCError)

    public var description: String {
        switch self {
        case .headerMissing(let h):
            return "bitcoind does not know the header of block \(h.displayHex)"
        case .noEligiblePeer(let h):
            return "no outbound, fully connected, witness peer of bitcoind can serve block \(h.displayHex)"
        case .prunedAboveTip(let h, let height, let tip):
            return "bitcoind is pruned and block \(h.displayHex) at height \(height) is above its tip (\(tip)): "
                + "in prune mode bitcoind fetches from peers only blocks it has already synced"
        case .deadline(let h, let tried, let last):
            return "block \(h.displayHex) not delivered before the deadline after asking \(tried) peer(s)"
                + (last.map { "; last failure: \($0)" } ?? "")
        case .bitcoind(let e):
            return e.description
        }
    }
}
