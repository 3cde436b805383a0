import AltLogic
import BitcoinPrimitives
import DriverProtocol
import Foundation

/// A ``HeaderRouter`` of scripted peers, for the rescue rules' unit tests. Each peer has a chain
/// (headers from genesis, blocks for some) and a behaviour; requests are counted per peer.
final class FakeRouter: HeaderRouter, @unchecked Sendable {
    // @unchecked: every field is guarded by `lock`.
    enum Behaviour: Sendable, Equatable {
        /// Answers from its chain, as Core does (after the first locator hash it knows, up to 2,000).
        case serve
        /// Has its chain but answers every getheaders with nothing.
        case withhold
        /// Never answers (the request times out).
        case silent
        /// Answers with headers whose proof of work is broken.
        case invalid
        /// Serves its headers and its first `after` blocks, then fails every block request (gone).
        case dropsBlocks(after: Int)
        /// Serves its headers, and blocks whose last byte is flipped (the merkle root no longer matches).
        case corruptBlocks
    }

    struct Peer: Sendable {
        var driver: String
        var id: String
        var address: String?
        var startHeight: Int?
        var behaviour: Behaviour
        var chain: [BlockHeader]
        var blocks: [BlockHash: [UInt8]]
    }

    private let lock = NSLock()
    private var peers: [Peer]
    /// Each peer's header positions by hash, built once.
    private var indexes: [String: [BlockHash: Int]] = [:]
    private(set) var headerRequests: [String: Int] = [:]
    private(set) var blockRequests: [String: Int] = [:]
    private(set) var disconnected: [String] = []
    /// Headers this router handed out in all.
    private(set) var headersServed = 0

    init(_ peers: [Peer]) {
        self.peers = peers
        for peer in peers { indexes["\(peer.driver)/\(peer.id)"] = Self.index(peer.chain) }
    }

    /// A peer connects.
    func add(_ peer: Peer) {
        let index = Self.index(peer.chain)
        lock.withLock {
            peers.append(peer)
            indexes["\(peer.driver)/\(peer.id)"] = index
        }
    }

    static func index(_ chain: [BlockHeader]) -> [BlockHash: Int] {
        Dictionary(chain.enumerated().map { ($1.hash, $0) }, uniquingKeysWith: { a, _ in a })
    }

    func headerPeers() -> [RoutedPeer] {
        lock.withLock { peers.map { RoutedPeer(driver: $0.driver, peer: $0.id, address: $0.address, startHeight: $0.startHeight) } }
    }

    func getHeaders(_ locator: [BlockHash], from source: SourceCandidate, timeout: Duration)
        async throws(DriverProtocolError) -> RoutedHeaders
    {
        let found: (Peer, [BlockHash: Int])? = lock.withLock {
            guard let peer = peers.first(where: { $0.driver == source.driver && (source.peer == nil || $0.id == source.peer) }) else {
                return nil
            }
            headerRequests["\(peer.driver)/\(peer.id)", default: 0] += 1
            return (peer, indexes["\(peer.driver)/\(peer.id)"] ?? [:])
        }
        guard let (peer, index) = found else { throw DriverProtocolError(.peerUnavailable, "no such peer") }
        switch peer.behaviour {
        case .withhold:
            return RoutedHeaders(peer: peer.id, headers: [])
        case .silent:
            try? await Task.sleep(for: timeout)
            throw DriverProtocolError(.timeout, "no answer within \(timeout)")
        case .serve, .invalid, .dropsBlocks, .corruptBlocks:
            let start = (locator.lazy.compactMap { index[$0] }.first ?? 0) + 1
            var headers = Array(peer.chain[min(start, peer.chain.count)..<min(start + 2_000, peer.chain.count)])
            if case .invalid = peer.behaviour, !headers.isEmpty { headers[0].nonce &+= 1 }
            lock.withLock { headersServed += headers.count }
            return RoutedHeaders(peer: peer.id, headers: headers)
        }
    }

    func blockDrivers() -> [String] {
        lock.withLock {
            var seen: [String] = []
            for peer in peers where !seen.contains(peer.driver) { seen.append(peer.driver) }
            return seen
        }
    }

    func getBlock(_ hash: BlockHash, driver: String, peer: String?, timeout: Duration)
        async throws(DriverProtocolError) -> SendMessageResult
    {
        let found: Result<(String, [UInt8]), DriverProtocolError>? = lock.withLock {
            for candidate in peers where candidate.driver == driver && (peer == nil || candidate.id == peer) {
                let key = "\(candidate.driver)/\(candidate.id)"
                blockRequests[key, default: 0] += 1
                if case .dropsBlocks(let after) = candidate.behaviour, blockRequests[key, default: 0] > after {
                    return .failure(DriverProtocolError(.peerUnavailable, "\(key) is gone"))
                }
                if candidate.behaviour != .withhold, var bytes = candidate.blocks[hash] {
                    if candidate.behaviour == .corruptBlocks { bytes[bytes.count - 1] ^= 0x01 }
                    return .success((candidate.id, bytes))
                }
            }
            return nil
        }
        guard let (id, bytes) = try found?.get() else {
            return SendMessageResult(peer: peer ?? "?", replies: [DriverP2PMessage(command: "notfound", payload: "00")])
        }
        return SendMessageResult(peer: id, replies: [DriverP2PMessage(command: "block", payload: Hex.encode(bytes))])
    }

    func disconnect(driver: String, peer: String, reason: String) async throws(DriverProtocolError) {
        lock.withLock {
            disconnected.append("\(driver)/\(peer)")
            peers.removeAll { $0.driver == driver && $0.id == peer }
        }
    }

    func requests(_ key: String) -> Int { lock.withLock { headerRequests[key, default: 0] } }
}
