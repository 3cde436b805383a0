import DriverKit
import DriverProtocol
import Foundation

/// The connected peers, by node id (hex): altnet peers and plain Lightning peers alike.
final class PeerTable: @unchecked Sendable {
    // @unchecked: `links` is guarded by `lock`.
    private let lock = NSLock()
    private var links: [String: PeerLink] = [:]

    /// Adds a link unless the node is already connected.
    /// - Returns: false when a link to the same node exists.
    func add(_ link: PeerLink) -> Bool {
        lock.withLock {
            guard links[link.id] == nil else { return false }
            links[link.id] = link
            return true
        }
    }

    /// Removes `link` (only that object: a newer link to the same node stays).
    func remove(_ link: PeerLink) {
        lock.withLock {
            if links[link.id] === link { links[link.id] = nil }
        }
    }

    /// The link to `id` (altnet or plain).
    func link(_ id: String) -> PeerLink? {
        lock.withLock { links[id] }
    }

    /// The link a `sendmessage` goes to (``PeerChoice``): the named peer, and only when it carries
    /// altnet messages; with no name, an altnet link chosen at random, not the lowest node id,
    /// which a peer could grind its key to get.
    /// - Throws: `peerUnavailable` naming why no link fits.
    func link(for requested: String?) throws(DriverProtocolError) -> PeerLink {
        let candidates = altnetLinks
        guard let id = PeerChoice.pick(requested: requested, ready: candidates.map(\.id)),
              let chosen = candidates.first(where: { $0.id == id }) else {
            guard let requested else { throw DriverProtocolError(.peerUnavailable, "no altnet peer connected") }
            throw PeerChoice.unavailable(
                requested: String(requested.prefix(66)), known: self.link(requested) != nil,
                why: "a plain Lightning peer (no altnet feature bit): it gets no altnet messages")
        }
        return chosen
    }

    /// Every link, ordered by node id.
    var all: [PeerLink] {
        lock.withLock { links.keys.sorted().compactMap { links[$0] } }
    }

    /// The links that carry altnet messages, ordered by node id.
    var altnetLinks: [PeerLink] { all.filter(\.carriesAltnet) }

    /// Closes every link.
    func closeAll() {
        for link in all { link.close() }
    }
}
