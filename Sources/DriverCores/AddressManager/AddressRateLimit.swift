/// How many gossiped addresses of one connection are processed: Bitcoin Core's token bucket
/// (src/net_processing.cpp: `MAX_ADDR_RATE_PER_SECOND = 0.1`, `MAX_ADDR_PROCESSING_TOKEN_BUCKET
/// = MAX_ADDR_TO_SEND = 1000`; the bucket starts at 1 and gains 1,000 when we send `getaddr`, so
/// the answer we asked for is taken whole). Addresses past the tokens are dropped unread, so a
/// peer streaming `addr` costs bounded work however fast it sends.
public struct AddressRateLimit: Sendable, Equatable {
    /// Tokens regained per second.
    public static let perSecond = 0.1
    /// The most tokens refilling reaches (a `getaddr` may lift it above).
    public static let bucket = 1000.0

    public private(set) var tokens: Double = 1
    private var last: Double

    /// - Parameter now: seconds on any monotonic clock.
    public init(now: Double) { last = now }

    /// We sent `getaddr`: its answer (up to 1,000 addresses) is welcome.
    public mutating func sentGetaddr() { tokens += Double(1000) }

    /// Takes tokens for up to `count` addresses.
    /// - Returns: how many of them may be processed (the first ones).
    public mutating func take(_ count: Int, now: Double) -> Int {
        if now > last, tokens < Self.bucket {
            tokens = min(Self.bucket, tokens + (now - last) * Self.perSecond)
        }
        last = max(last, now)
        let allowed = min(count, Int(tokens))
        tokens -= Double(allowed)
        return allowed
    }
}
