/// Bounds and timers of ``AltLogicValidation``. Every loop it runs is bounded by one of these.
public struct AltLogicConfig: Sendable {
    /// How often ``AltLogicValidation/crossCheck()`` runs on its own (altnet.conf `crosscheckseconds`).
    public var crossCheckInterval: Duration = .seconds(600)
    /// One `getheaders` round through a driver (request and reply).
    public var requestTimeout: Duration = .seconds(20)
    /// One block fetch through the drivers (every driver tried within it).
    public var blockTimeout: Duration = .seconds(60)
    /// Blocks being fetched at once.
    public var maxBlocksInFlight: Int = 16
    /// Headers one rescue holds in memory (the alternative chain above the anchor).
    public var maxHeadersHeld: Int = 200_000
    /// How long to wait for bitcoind's tip to reach the new tip after the last `submitblock`.
    public var tipWatchTimeout: Duration = .seconds(60)
    /// Drivers asked in parallel for each block; the first valid answer wins.
    public var blockFetchWidth: Int = 2
    /// Fetch attempts per block before the rescue gives up.
    public var blockAttempts: Int = 3
    /// `getheaders` rounds per rescue (2,000 headers each at most).
    public var maxHeaderRounds: Int = 500
    /// Times a rescue starts over after a peer sent invalid headers (that peer dropped first).
    public var maxInvalidRetries: Int = 2
    /// The whole rescue, end to end.
    public var rescueTimeout: Duration = .seconds(1_800)
    /// Reports kept for ``AltLogicValidation/recentReports()``.
    public var reportHistory: Int = 64

    public init() {}
}
