import Foundation
import Metrics

/// What serving may cost: token buckets per peer and per driver for requests and bytes, and a
/// global bound on requests answered at once. Keys of `[serving]` in altnet.conf (docs/altnetd.md).
public struct ServingLimits: Sendable, Hashable {
    /// Requests per second one peer may make (`peerrequestspersecond`); burst: 2 s worth, at least 1.
    public var peerRequestsPerSecond: Double
    /// Bytes per second sent to one peer (`peerbytespersecond`); burst: 2 s worth, at least 8 MB (two blocks).
    public var peerBytesPerSecond: Double
    /// Requests per second over one driver, all its peers (`driverrequestspersecond`).
    public var driverRequestsPerSecond: Double
    /// Bytes per second over one driver (`driverbytespersecond`).
    public var driverBytesPerSecond: Double
    /// Requests answered at once across all peers (`maxconcurrent`).
    public var maxConcurrent: Int
    /// Headers kept in the header cache (`headercache`); 0 disables it.
    public var headerCacheEntries: Int
    /// Peers whose buckets are remembered; beyond, the least recently seen is forgotten.
    public var maxTrackedPeers: Int

    public init(peerRequestsPerSecond: Double = 20, peerBytesPerSecond: Double = 16_000_000,
                driverRequestsPerSecond: Double = 100, driverBytesPerSecond: Double = 64_000_000,
                maxConcurrent: Int = 4, headerCacheEntries: Int = 100_000, maxTrackedPeers: Int = 4_096) {
        self.peerRequestsPerSecond = peerRequestsPerSecond
        self.peerBytesPerSecond = peerBytesPerSecond
        self.driverRequestsPerSecond = driverRequestsPerSecond
        self.driverBytesPerSecond = driverBytesPerSecond
        self.maxConcurrent = maxConcurrent
        self.headerCacheEntries = headerCacheEntries
        self.maxTrackedPeers = maxTrackedPeers
    }

    static func requestBurst(_ rate: Double) -> Double { max(1, rate * 2) }
    static func byteBurst(_ rate: Double) -> Double { max(8_000_000, rate * 2) }
}

/// A token bucket: `rate` tokens per second up to `burst`. Spending may go below zero (bytes are
/// counted after the fact); nothing more is allowed until the balance is positive again.
struct TokenBucket: Sendable {
    let rate: Double
    let burst: Double
    private(set) var tokens: Double
    private var last: ContinuousClock.Instant

    init(rate: Double, burst: Double, now: ContinuousClock.Instant) {
        self.rate = rate
        self.burst = burst
        self.tokens = burst
        self.last = now
    }

    mutating func refill(_ now: ContinuousClock.Instant) {
        let elapsed = now - last
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        tokens = min(burst, tokens + max(0, seconds) * rate)
        last = now
    }

    /// Whether at least `amount` tokens are there (for `amount` 0: a positive balance).
    func allows(_ amount: Double) -> Bool { amount > 0 ? tokens >= amount : tokens > 0 }

    mutating func spend(_ amount: Double) { tokens -= amount }
}

/// Why a request or a block was refused.
public enum ServingRefusal: String, Sendable, Hashable {
    case peerRequests = "peer-requests"
    case driverRequests = "driver-requests"
    case peerBytes = "peer-bytes"
    case driverBytes = "driver-bytes"
}

/// What the serving budget has decided so far.
public struct ServingStats: Sendable, Hashable {
    /// Requests admitted.
    public var admitted = 0
    /// Requests refused and blocks withheld, by reason.
    public var refused: [ServingRefusal: Int] = [:]

    /// All refusals.
    public var refusedTotal: Int { refused.values.reduce(0, +) }
}

/// The buckets of every peer and driver; thread-safe.
final class ServingBudget: @unchecked Sendable {
    // @unchecked: `peers`, `drivers` and `tick` are only touched under `lock`.
    private struct Buckets {
        var requests: TokenBucket
        var bytes: TokenBucket
        var lastUsed: UInt64
    }

    let limits: ServingLimits
    private let lock = NSLock()
    private var peers: [String: Buckets] = [:]
    private var drivers: [String: Buckets] = [:]
    private var tick: UInt64 = 0
    private var counts = ServingStats()
    private let now: @Sendable () -> ContinuousClock.Instant

    init(limits: ServingLimits, now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }) {
        self.limits = limits
        self.now = now
    }

    /// Takes one request token from the peer's and the driver's buckets.
    /// - Returns: nil when admitted, else why not (nothing is taken then).
    func admitRequest(driver: String, peer: String) -> ServingRefusal? {
        let refusal: ServingRefusal? = lock.withLock {
            let t = now()
            tick += 1
            var p = peerBuckets(key(driver, peer), t)
            var d = driverBuckets(driver, t)
            defer {
                peers[key(driver, peer)] = p
                drivers[driver] = d
            }
            guard p.requests.allows(1) else {
                counts.refused[.peerRequests, default: 0] += 1
                return .peerRequests
            }
            guard d.requests.allows(1) else {
                counts.refused[.driverRequests, default: 0] += 1
                return .driverRequests
            }
            p.requests.spend(1)
            d.requests.spend(1)
            counts.admitted += 1
            return nil
        }
        return refusal
    }

    /// Whether the peer and the driver still have byte credit (checked before each block).
    func byteCredit(driver: String, peer: String) -> ServingRefusal? {
        lock.withLock {
            let t = now()
            var p = peerBuckets(key(driver, peer), t)
            var d = driverBuckets(driver, t)
            p.bytes.refill(t)
            d.bytes.refill(t)
            peers[key(driver, peer)] = p
            drivers[driver] = d
            let refusal: ServingRefusal? = !p.bytes.allows(0) ? .peerBytes : !d.bytes.allows(0) ? .driverBytes : nil
            if let refusal { counts.refused[refusal, default: 0] += 1 }
            return refusal
        }
    }

    /// The decisions so far.
    var stats: ServingStats { lock.withLock { counts } }

    /// Charges bytes sent.
    func spend(bytes: Int, driver: String, peer: String) {
        lock.withLock {
            peers[key(driver, peer)]?.bytes.spend(Double(bytes))
            drivers[driver]?.bytes.spend(Double(bytes))
        }
    }

    private func key(_ driver: String, _ peer: String) -> String { driver + "\u{0}" + peer }

    private func peerBuckets(_ key: String, _ t: ContinuousClock.Instant) -> Buckets {
        if var b = peers[key] {
            b.requests.refill(t)
            b.lastUsed = tick
            return b
        }
        if peers.count >= limits.maxTrackedPeers, let oldest = peers.min(by: { $0.value.lastUsed < $1.value.lastUsed })?.key {
            peers.removeValue(forKey: oldest)
        }
        return Buckets(
            requests: TokenBucket(rate: limits.peerRequestsPerSecond, burst: ServingLimits.requestBurst(limits.peerRequestsPerSecond), now: t),
            bytes: TokenBucket(rate: limits.peerBytesPerSecond, burst: ServingLimits.byteBurst(limits.peerBytesPerSecond), now: t),
            lastUsed: tick)
    }

    private func driverBuckets(_ driver: String, _ t: ContinuousClock.Instant) -> Buckets {
        if var b = drivers[driver] {
            b.requests.refill(t)
            return b
        }
        return Buckets(
            requests: TokenBucket(rate: limits.driverRequestsPerSecond, burst: ServingLimits.requestBurst(limits.driverRequestsPerSecond), now: t),
            bytes: TokenBucket(rate: limits.driverBytesPerSecond, burst: ServingLimits.byteBurst(limits.driverBytesPerSecond), now: t),
            lastUsed: 0)
    }
}

/// A counting semaphore for tasks: at most `width` holders at once.
final class ServingGate: @unchecked Sendable {
    // @unchecked: guarded by `lock`.
    private let lock = NSLock()
    private var free: Int
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(width: Int) { free = max(1, width) }

    func acquire() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let granted: Bool = lock.withLock {
                if free > 0 {
                    free -= 1
                    return true
                }
                waiting.append(continuation)
                return false
            }
            if granted { continuation.resume() }
        }
    }

    func release() {
        let next: CheckedContinuation<Void, Never>? = lock.withLock {
            if waiting.isEmpty {
                free += 1
                return nil
            }
            return waiting.removeFirst()
        }
        next?.resume()
    }
}

extension AltLogicMetrics {
    /// A peer's request (or a block of it) refused by the serving budget.
    static func refused(_ reason: ServingRefusal, driver: String) {
        Counter(label: "altnet_serving_refused_total", dimensions: [("reason", reason.rawValue), ("driver", driver)]).increment()
    }
}
