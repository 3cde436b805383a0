import BitcoinPrimitives
import DriverProtocol

/// What AltLogic asks the drivers: the second seam (the first is ``ChainBackend``), so the
/// fan-out, quorum and block-fetch rules can be driven by fakes in unit tests. ``Altstack``
/// implements it over the driver protocol.
public protocol HeaderRouter: Sendable {
    /// Every peer of every ready driver that answers `getheaders`, as the drivers listed them.
    /// A ready driver that lists no peers appears once with `peer` nil (it picks a peer itself).
    func headerPeers() -> [RoutedPeer]
    /// One `getheaders` to one source.
    /// - Returns: the peer that answered and its headers (empty: it has nothing after the locator).
    /// - Throws: ``DriverProtocolError`` when the source did not answer in time, is gone, or
    ///   answered something that is not a well-formed `headers` message.
    func getHeaders(_ locator: [BlockHash], from source: SourceCandidate, timeout: Duration)
        async throws(DriverProtocolError) -> RoutedHeaders
    /// Drivers that can fetch blocks now (ready, `request(.blocks)`), best first.
    func blockDrivers() -> [String]
    /// One `getdata` for a witness block, to a driver (and one of its peers, or any when nil).
    /// - Returns: the driver's answer (its replies: a `block` or a `notfound`).
    func getBlock(_ hash: BlockHash, driver: String, peer: String?, timeout: Duration)
        async throws(DriverProtocolError) -> SendMessageResult
    /// Tells a driver to drop a peer (invalid headers).
    func disconnect(driver: String, peer: String, reason: String) async throws(DriverProtocolError)
}

/// A peer as the router lists it.
public struct RoutedPeer: Sendable, Hashable {
    public var driver: String
    /// Driver-scoped id; nil for a driver that lists no peers.
    public var peer: String?
    /// Transport address (`host:port`), when the driver gives one.
    public var address: String?
    /// The height the peer announced when it connected (`version` start height), when known.
    public var startHeight: Int?

    public init(driver: String, peer: String?, address: String? = nil, startHeight: Int? = nil) {
        self.driver = driver
        self.peer = peer
        self.address = address
        self.startHeight = startHeight
    }
}

/// A `headers` answer and who sent it.
public struct RoutedHeaders: Sendable {
    public var peer: String
    public var headers: [BlockHeader]

    public init(peer: String, headers: [BlockHeader]) {
        self.peer = peer
        self.headers = headers
    }
}
