import Foundation
import LightningDriverCore

/// The connected peers' links, by node id (hex): altnet peers and plain Lightning peers alike.
/// Which of them carry altnet is the ``AltnetHub``'s to say; this is its carrier.
final class PeerTable: AltnetCarrier, @unchecked Sendable {
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

    /// Every link, ordered by node id.
    var all: [PeerLink] {
        lock.withLock { links.keys.sorted().compactMap { links[$0] } }
    }

    /// Queues one peer's Lightning messages on its link, all or none.
    func deliver(_ outgoing: AltnetOutgoing) throws(OutboundQueueFull) -> Bool {
        guard let link = link(outgoing.peer) else { return false }
        try link.send(outgoing.messages)
        return true
    }

    /// Closes every link.
    func closeAll() {
        for link in all { link.close() }
    }
}
