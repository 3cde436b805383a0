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
    /// Requests of one peer that may wait for its bucket to refill (`peerqueue`): beyond them a
    /// request is refused. An honest peer pipelining `getdata` (AltLogic keeps 16 blocks in
    /// flight, as Core's MAX_BLOCKS_IN_TRANSIT_PER_PEER) is slowed to the rate, not refused;
    /// a peer looping requests fills its queue and the rest are refused before costing anything.
    public var maxWaitingPerPeer: Int
    /// Requests waiting across all peers (bounds the waiting tasks whatever the number of peers).
    public var maxWaiting: Int

    /// Defaults: 200 requests/s per peer (burst 400), 1,000/s per driver; bytes 16 MB/s per peer,
    /// 64 MB/s per driver; 64 requests may wait per peer, 1,024 in all.
    public init(peerRequestsPerSecond: Double = 200, peerBytesPerSecond: Double = 16_000_000,
                driverRequestsPerSecond: Double = 1_000, driverBytesPerSecond: Double = 64_000_000,
                maxConcurrent: Int = 4, headerCacheEntries: Int = 100_000, maxTrackedPeers: Int = 4_096,
                maxWaitingPerPeer: Int = 64, maxWaiting: Int = 1_024) {
        self.maxWaitingPerPeer = maxWaitingPerPeer
        self.maxWaiting = maxWaiting
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

/// What the budget decided for one request.
enum ServingDecision: Sendable, Hashable {
    case admitted
    /// No token yet: wait this long, then call ``ServingBudget/finishedWaiting(driver:peer:)`` and ask again.
    case wait(Duration)
    case refused(ServingRefusal)
}

/// What the serving budget has decided so far.
public struct ServingStats: Sendable, Hashable {
    /// Requests admitted.
    public var admitted = 0
    /// Times a request waited for its peer's (or driver's) bucket to refill before an answer.
    public var waited = 0
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
        /// Requests of this peer waiting for a token.
        var waiting = 0
    }

    let limits: ServingLimits
    private let lock = NSLock()
    private var peers: [String: Buckets] = [:]
    private var drivers: [String: Buckets] = [:]
    private var tick: UInt64 = 0
    private var waitingTotal = 0
    private var counts = ServingStats()
    private let now: @Sendable () -> ContinuousClock.Instant

    init(limits: ServingLimits, now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }) {
        self.limits = limits
        self.now = now
    }

    /// Takes one request token from the peer's and the driver's buckets, never waiting.
    /// - Returns: nil when admitted, else why not (nothing is taken then; counted).
    func admitRequest(driver: String, peer: String) -> ServingRefusal? {
        switch decide(driver: driver, peer: peer, mayWait: false) {
        case .admitted: nil
        case .refused(let reason): reason
        case .wait: nil  // not reached: mayWait is false
        }
    }

    /// Takes one request token, or a place in the peer's waiting queue while its bucket refills.
    /// - Returns: `.admitted`; `.wait(d)` (a waiting place is taken: give it back with
    ///   ``finishedWaiting(driver:peer:)``); or `.refused` when the queue is full (counted).
    func decide(driver: String, peer: String, mayWait: Bool = true) -> ServingDecision {
        lock.withLock {
            let t = now()
            tick += 1
            let k = key(driver, peer)
            var p = peerBuckets(k, t)
            var d = driverBuckets(driver, t)
            defer {
                peers[k] = p
                drivers[driver] = d
            }
            let reason: ServingRefusal? = !p.requests.allows(1) ? .peerRequests : !d.requests.allows(1) ? .driverRequests : nil
            guard let reason else {
                p.requests.spend(1)
                d.requests.spend(1)
                counts.admitted += 1
                return .admitted
            }
            if mayWait, p.waiting < limits.maxWaitingPerPeer, waitingTotal < limits.maxWaiting {
                p.waiting += 1
                waitingTotal += 1
                counts.waited += 1
                let bucket = reason == .peerRequests ? p.requests : d.requests
                let seconds = min(10, max(0.001, (1 - bucket.tokens) / max(bucket.rate, 0.001)))
                return .wait(.milliseconds(Int((seconds * 1000).rounded(.up))))
            }
            counts.refused[reason, default: 0] += 1
            return .refused(reason)
        }
    }

    /// Gives back the waiting place a `.wait` decision took.
    func finishedWaiting(driver: String, peer: String) {
        lock.withLock {
            waitingTotal = max(0, waitingTotal - 1)
            let k = key(driver, peer)
            if let w = peers[k]?.waiting { peers[k]?.waiting = max(0, w - 1) }
        }
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
        if peers.count >= limits.maxTrackedPeers,
           let oldest = peers.filter({ $0.value.waiting == 0 }).min(by: { $0.value.lastUsed < $1.value.lastUsed })?.key {
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
