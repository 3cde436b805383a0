import Altstack
import BitcoinPrimitives
import DriverProtocol

/// The drivers as AltLogic sees them, broadcast feeds included: a ``HeaderRouter`` over another
/// (the Altstack) that adds every ready receive-only driver as one more source.
///
/// A feed is never sent a request (it declares no `send`): its `getheaders` "answer" is read from
/// what it pushed (``FeedInbox``), and the rescue validates it through `HeaderChain` like any
/// other. It counts as a source of its own for the quorum (a driver without listed peers), its
/// better chain raises `altnet-better-chain` like any, and blocks come from the drivers that can
/// fetch them (and from a feed's own pushed blocks, when it pushed the one wanted).
public struct FeedRouter: HeaderRouter {
    let base: any HeaderRouter
    let inbox: FeedInbox
    /// Ready feed drivers with the kinds they carry.
    let feeds: @Sendable () -> [(name: String, kinds: Set<MessageKind>)]

    /// - Parameters:
    ///   - base: the request/response drivers.
    ///   - inbox: what the feeds pushed.
    ///   - feeds: the ready feed drivers and their kinds, asked at each use.
    public init(base: any HeaderRouter, inbox: FeedInbox, feeds: @escaping @Sendable () -> [(name: String, kinds: Set<MessageKind>)]) {
        self.base = base
        self.inbox = inbox
        self.feeds = feeds
    }

    /// The Altstack's drivers, its ready receive-only drivers as feeds.
    public init(altstack: Altstack, inbox: FeedInbox) {
        self.init(base: altstack, inbox: inbox) {
            altstack.snapshot().compactMap { snapshot in
                guard snapshot.state == .ready, let capabilities = snapshot.capabilities, capabilities.isFeed else { return nil }
                return (snapshot.name, capabilities.messageKinds)
            }
        }
    }

    func isFeed(_ driver: String) -> Bool { feeds().contains { $0.name == driver } }

    public func headerPeers() -> [RoutedPeer] {
        base.headerPeers() + feeds().filter { $0.kinds.contains(.headers) }.map { RoutedPeer(driver: $0.name, peer: nil) }
    }

    public func getHeaders(_ locator: [BlockHash], from source: SourceCandidate, timeout: Duration)
        async throws(DriverProtocolError) -> RoutedHeaders
    {
        guard isFeed(source.driver) else { return try await base.getHeaders(locator, from: source, timeout: timeout) }
        guard let answer = inbox.headers(driver: source.driver, after: locator) else {
            // Silence is no answer, never "nothing better".
            throw DriverProtocolError(.peerUnavailable, "the feed has pushed no headers that link to the locator")
        }
        return RoutedHeaders(peer: answer.peer.isEmpty ? "feed" : answer.peer, headers: answer.headers)
    }

    public func blockDrivers() -> [String] {
        let own = base.blockDrivers()
        return own + feeds().filter { $0.kinds.contains(.blocks) && inbox.hasBlocks(driver: $0.name) }.map(\.name)
            .filter { !own.contains($0) }
    }

    public func getBlock(_ hash: BlockHash, driver: String, peer: String?, timeout: Duration)
        async throws(DriverProtocolError) -> SendMessageResult
    {
        guard isFeed(driver) else { return try await base.getBlock(hash, driver: driver, peer: peer, timeout: timeout) }
        guard let pushed = inbox.block(driver: driver, hash: hash) else {
            throw DriverProtocolError(.peerUnavailable, "the feed has not pushed block \(hash)")
        }
        return SendMessageResult(peer: pushed.peer, replies: [.init(command: "block", payload: pushed.payload)])
    }

    public func disconnect(driver: String, peer: String, reason: String) async throws(DriverProtocolError) {
        guard isFeed(driver) else { return try await base.disconnect(driver: driver, peer: peer, reason: reason) }
        // A feed cannot be told anything: forget what it pushed, as dropping a peer forgets it.
        inbox.forget(driver: driver)
    }
}
