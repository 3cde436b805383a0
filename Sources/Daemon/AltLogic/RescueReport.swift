import Foundation

/// What one rescue or cross-check did, for `altnet-cli`, logs and the anomaly it closes.
public struct RescueReport: Sendable, Codable, Equatable {
    /// Why it ran: an anomaly kind, `crosscheck`, `fetchheaders`, ...
    public var trigger: String
    /// The anomaly it answers, when there is one.
    public var anomalyID: UInt64?
    /// Unix time in seconds (fractional).
    public var started: Double
    public var finished: Double
    /// How it ended (JSON: its name, e.g. `caught-up`).
    public var outcome: RescueOutcome
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
    /// Every source the fan-out asked, with what it answered.
    public var sources: [SourceReport] = []
    /// Independent sources (distinct driver and network group) that answered "nothing better".
    public var independentNothingBetter: Int = 0
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

    public init(trigger: String, anomalyID: UInt64?, started: Double, outcome: RescueOutcome = .inconclusive) {
        self.trigger = trigger
        self.anomalyID = anomalyID
        self.started = started
        self.finished = started
        self.outcome = outcome
    }

    mutating func used(_ driver: String) {
        if !drivers.contains(driver) { drivers.append(driver) }
    }

    mutating func note(_ text: String) {
        if notes.count < 32 { notes.append(text) }
    }
}

/// What one source (a driver's peer) answered in a rescue's fan-out.
public struct SourceReport: Sendable, Codable, Equatable {
    /// The answer, as the quorum rule reads it.
    public enum Answer: String, Sendable, Codable, Equatable {
        /// A valid chain with more work than bitcoind's best header.
        case better
        /// Nothing after bitcoind's tip, or a valid chain with no more work: "this source has
        /// nothing better", not proof that nothing better exists.
        case nothingBetter = "nothing-better"
        /// Headers that failed validation (the peer is dropped).
        case invalid
        /// No answer in time, an error, or the source was still syncing when the fan-out ended.
        case noAnswer = "no-answer"
    }

    public var driver: String
    public var peer: String
    /// The source's network group (`ipv4:203.0`, `peer:<driver>/<id>`, ...).
    public var group: String
    public var answer: Answer
    /// Headers it sent in all.
    public var headers: Int = 0
    /// The tip of what it sent (display hex) and its height.
    public var tip: String?
    public var tipHeight: Int?
    /// The height on bitcoind's active chain its headers forked from.
    public var forkHeight: Int?
    /// Milliseconds to its first answer.
    public var firstAnswerMs: Double?
    /// Why (the error, the rule a header broke, "lower work", "presync: work below ...").
    public var detail: String?

    public init(driver: String, peer: String, group: String, answer: Answer) {
        self.driver = driver
        self.peer = peer
        self.group = group
        self.answer = answer
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
