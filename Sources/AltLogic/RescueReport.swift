import Foundation

/// What one rescue or cross-check did, for `altnet-cli`, logs and the anomaly it closes.
public struct RescueReport: Sendable, Codable, Equatable {
    /// The outcome names used in ``outcome``.
    public enum Outcome {
        public static let caughtUp = "caught-up"
        public static let noBetterChain = "no-better-chain"
        public static let noEligibleDriver = "no-eligible-driver"
        public static let invalidHeaders = "invalid-headers"
        /// `failed: <reason>`.
        public static func failed(_ reason: String) -> String { "failed: \(reason)" }
    }

    /// Why it ran: an anomaly kind, `crosscheck`, `fetchheaders`, ...
    public var trigger: String
    /// The anomaly it answers, when there is one.
    public var anomalyID: UInt64?
    /// Unix time in seconds (fractional).
    public var started: Double
    public var finished: Double
    /// One of ``Outcome``'s names.
    public var outcome: String
    /// A better valid chain than bitcoind's was seen over altnet (a cross-check finding).
    public var betterChainSeen: Bool = false
    public var headersReceived: Int = 0
    public var headersSubmitted: Int = 0
    public var blocksFetched: Int = 0
    public var blocksSubmitted: Int = 0
    /// Drivers that answered (headers or blocks), in first-use order.
    public var drivers: [String] = []
    /// Peers (`driver/peer`) told to disconnect for invalid headers.
    public var peersDropped: [String] = []
    public var tipBefore: String?
    public var heightBefore: Int?
    public var tipAfter: String?
    public var heightAfter: Int?
    /// The best valid chain seen over altnet.
    public var altTip: String?
    public var altHeight: Int?
    /// Milliseconds from the start to the first `submitheader` accepted.
    public var firstHeaderMs: Double?
    /// Milliseconds from the start to bitcoind's tip reaching the new tip.
    public var caughtUpMs: Double?
    /// Free-text notes (driver failures, retries).
    public var notes: [String] = []

    public init(trigger: String, anomalyID: UInt64?, started: Date, outcome: String = "") {
        self.trigger = trigger
        self.anomalyID = anomalyID
        self.started = started.timeIntervalSince1970
        self.finished = started.timeIntervalSince1970
        self.outcome = outcome
    }

    mutating func used(_ driver: String) {
        if !drivers.contains(driver) { drivers.append(driver) }
    }

    mutating func note(_ text: String) {
        if notes.count < 32 { notes.append(text) }
    }
}

/// A chain tip altnet's drivers showed, as `altnet-cli getaltchaintips` lists it.
public struct AltChainTip: Sendable, Codable, Equatable {
    /// Block hash, display order.
    public var hash: String
    public var height: Int
    /// Cumulative work, big-endian hex (as `getblockheader`'s `chainwork`).
    public var chainwork: String
    /// `active` (bitcoind's tip is this one), `better` (more work than bitcoind's), `lower-work`,
    /// `invalid`.
    public var status: String
    /// Drivers it came through.
    public var drivers: [String]
    /// Unix time it was last seen.
    public var seen: Double

    public init(hash: String, height: Int, chainwork: String, status: String, drivers: [String], seen: Double) {
        self.hash = hash
        self.height = height
        self.chainwork = chainwork
        self.status = status
        self.drivers = drivers
        self.seen = seen
    }
}
